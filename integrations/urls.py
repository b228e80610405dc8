from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("profile/api-tokens/", views.token_list, name="tokens"),
    path("profile/api-tokens/new/", views.token_create, name="token-create"),
    path("profile/api-tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
