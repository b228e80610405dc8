from django.urls import path

from . import views
from .legacy import urls as legacy_urls

app_name = "integrations"
urlpatterns = [
    path("profile/api-tokens/", views.token_list, name="tokens"),
    path("profile/api-tokens/new/", views.token_create, name="token-create"),
    path("profile/api-tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
urlpatterns += [
    # Admins: the web forms for clients' websites (beside the mail pages).
    path("mail/web-forms/", views.web_form_list, name="web-form-list"),
    path("mail/web-forms/new/", views.web_form_edit, name="web-form-new"),
    path("mail/web-forms/<int:pk>/", views.web_form_edit, name="web-form-edit"),
    # Anyone: the form as a website frames it, and its thank-you page.
    path("forms/<uuid:public_id>/", views.web_form_public, name="web-form"),
    path("forms/<uuid:public_id>/sent/", views.web_form_sent, name="web-form-sent"),
    # The link emailed to a known contact, who confirms a request typed in their name.
    path("forms/confirm/<str:token>/", views.web_form_confirm, name="web-form-confirm"),
]
urlpatterns += [
    # A person's own chat notifications (a card of their profile, seed 001).
    path("profile/chat/", views.personal_webhook, name="personal-webhook"),
    path("profile/chat/delete/", views.personal_webhook_delete, name="personal-webhook-delete"),
]
urlpatterns += [
    # Admins: the customer-base sync from the ERP (upload, mapping and dry run, apply).
    path("organizations/sync/", views.sync_upload, name="sync"),
    path("organizations/sync/preview/", views.sync_preview, name="sync-preview"),
    # Each reading of a file (dry run or applied): progress, outcome, history.
    path("organizations/sync/runs/", views.sync_run_list, name="sync-runs"),
    path("organizations/sync/runs/<int:pk>/", views.sync_run, name="sync-run"),
    path("organizations/sync/runs/<int:pk>/apply/", views.sync_run_apply, name="sync-run-apply"),
    path("organizations/sync/runs/<int:pk>/resume/", views.sync_run_resume, name="sync-run-resume"),
    # Where the ERP publishes its export for the unattended sync.
    path("organizations/sync/sources/", views.sync_source_list, name="sync-sources"),
    path("organizations/sync/sources/new/", views.sync_source_edit, name="sync-source-new"),
    path("organizations/sync/sources/<int:pk>/", views.sync_source_edit, name="sync-source-edit"),
    path("organizations/sync/sources/<int:pk>/run/", views.sync_source_run, name="sync-source-run"),
]
# Admins: the import of an old helpdesk (integrations.legacy).
urlpatterns += legacy_urls.urlpatterns
