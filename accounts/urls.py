from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("accounts/2fa/", views.two_factor, name="2fa"),
    path("accounts/2fa/resend/", views.two_factor_resend, name="2fa-resend"),
    path("profile/", views.profile, name="profile"),
    path("profile/authenticator/", views.profile_totp, name="profile-totp"),
    path("profile/authenticator/start/", views.profile_totp_start, name="profile-totp-start"),
    path("profile/authenticator/remove/", views.profile_totp_remove, name="profile-totp-remove"),
    path("profile/recovery-codes/", views.profile_recovery_codes, name="profile-recovery-codes"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("users/<int:pk>/approve/", views.user_approve, name="user-approve"),
    path("users/<int:pk>/reset-2fa/", views.user_reset_2fa, name="user-reset-2fa"),
    path("pick/organizations/", views.pick_organizations, name="pick-organizations"),
    path("pick/people/", views.pick_people, name="pick-people"),
    path("pick/agents/", views.pick_agents, name="pick-agents"),
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/new/", views.organization_edit, name="organization-create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization-detail"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization-edit"),
]
