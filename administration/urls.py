from django.urls import path, re_path

from . import audit_views, gdpr_views, views
from . import reference_views as admin_views

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
    # The Administration area (admins): reference data, calendar, settings.
    path("administration/", admin_views.home, name="home"),
    path("administration/settings/", admin_views.site_settings, name="settings"),
    path("administration/calendar/", admin_views.calendar, name="calendar"),
    path("administration/calendar/holidays/", admin_views.holiday_add, name="holiday-add"),
    path(
        "administration/calendar/holidays/import/",
        admin_views.holiday_import,
        name="holiday-import",
    ),
    path(
        "administration/calendar/holidays/<int:pk>/delete/",
        admin_views.holiday_delete,
        name="holiday-delete",
    ),
    path(
        "administration/canned-replies/preview/",
        admin_views.canned_preview,
        name="canned-preview",
    ),
    # Audit log and GDPR tools (audit_views.py, gdpr_views.py), before the reference kinds.
    path("administration/audit/", audit_views.audit_log, name="audit"),
    path("administration/audit/export/", audit_views.audit_export, name="audit-export"),
    path("administration/gdpr/", gdpr_views.gdpr_home, name="gdpr"),
    path("administration/gdpr/retention/", gdpr_views.gdpr_retention, name="gdpr-retention"),
    path("administration/gdpr/people/<int:pk>/", gdpr_views.gdpr_person, name="gdpr-person"),
    path(
        "administration/gdpr/people/<int:pk>/export/",
        gdpr_views.gdpr_export_start,
        name="gdpr-export-start",
    ),
    path(
        "administration/gdpr/people/<int:pk>/anonymise/",
        gdpr_views.gdpr_anonymise,
        name="gdpr-anonymise",
    ),
    path(
        "administration/gdpr/exports/<int:pk>/", gdpr_views.gdpr_export_status, name="gdpr-export"
    ),
    path(
        "administration/gdpr/exports/<int:pk>/download/",
        gdpr_views.gdpr_export_download,
        name="gdpr-export-download",
    ),
    # Where they were first: old links and bookmarks are sent to the same page (admins only).
    re_path(r"^admin/(?P<rest>(?:audit|gdpr)/.*)$", admin_views.moved, name="moved"),
    path("administration/<slug:kind>/", admin_views.reference_list, name="reference-list"),
    path("administration/<slug:kind>/new/", admin_views.reference_edit, name="reference-new"),
    path("administration/<slug:kind>/<int:pk>/", admin_views.reference_edit, name="reference-edit"),
    path(
        "administration/<slug:kind>/<int:pk>/move/",
        admin_views.reference_move,
        name="reference-move",
    ),
    path(
        "administration/<slug:kind>/<int:pk>/retire/",
        admin_views.reference_retire,
        name="reference-retire",
    ),
    path(
        "administration/<slug:kind>/<int:pk>/delete/",
        admin_views.reference_delete,
        name="reference-delete",
    ),
    path("mail/webhooks/posts/<int:pk>/replay/", views.post_replay, name="post-replay"),
]
