from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("mailboxes/", views.mailbox_list, name="mailbox-list"),
    path("mailboxes/new/", views.mailbox_edit, name="mailbox-new"),
    path("mailboxes/<int:pk>/", views.mailbox_edit, name="mailbox-edit"),
    path("mailboxes/<int:pk>/test/", views.mailbox_test, name="mailbox-test"),
    path("mailboxes/<int:pk>/toggle/", views.mailbox_toggle, name="mailbox-toggle"),
    path("unidentified/", views.unidentified, name="unidentified"),
    path("unidentified/<int:number>/link/", views.link_ticket, name="link"),
    path("flagged/<int:pk>/append/", views.flagged_append, name="flagged-append"),
    path("flagged/<int:pk>/discard/", views.flagged_discard, name="flagged-discard"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("quarantine/<int:pk>/", views.quarantine_detail, name="quarantine-detail"),
    path("quarantine/<int:pk>/raw/", views.quarantine_raw, name="quarantine-raw"),
    path("quarantine/<int:pk>/retry/", views.quarantine_retry, name="quarantine-retry"),
    path("quarantine/<int:pk>/discard/", views.quarantine_discard, name="quarantine-discard"),
    path("ignored/", views.ignored, name="ignored"),
    path("ignored/<int:pk>/raw/", views.ignored_raw, name="ignored-raw"),
    path("ignored/<int:pk>/release/", views.ignored_release, name="ignored-release"),
    path("original/<int:event_pk>/", views.event_original, name="event-original"),
]
