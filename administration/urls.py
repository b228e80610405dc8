from django.urls import path

from . import views

app_name = "administration"

urlpatterns = [
    # Email out: the outbox log and the chat webhooks (next to the intake pages under /mail/).
    path("mail/outbox/", views.outbox, name="outbox"),
    path("mail/outbox/<int:pk>/", views.outbox_detail, name="outbox-detail"),
    path("mail/outbox/<int:pk>/html/", views.outbox_html, name="outbox-html"),
    path("mail/outbox/<int:pk>/raw/", views.outbox_raw, name="outbox-raw"),
    path("mail/outbox/<int:pk>/retry/", views.outbox_retry, name="outbox-retry"),
    path("mail/webhooks/", views.webhook_list, name="webhook-list"),
    path("mail/webhooks/new/", views.webhook_edit, name="webhook-new"),
    path("mail/webhooks/<int:pk>/", views.webhook_edit, name="webhook-edit"),
    path("mail/webhooks/<int:pk>/test/", views.webhook_test, name="webhook-test"),
    path("mail/webhooks/<int:pk>/toggle/", views.webhook_toggle, name="webhook-toggle"),
    path("mail/webhooks/posts/<int:pk>/retry/", views.post_retry, name="post-retry"),
    path("mail/webhooks/posts/<int:pk>/replay/", views.post_replay, name="post-replay"),
]
