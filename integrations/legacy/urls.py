from django.urls import path

from . import views

# Included by integrations.urls (app namespace "integrations").
urlpatterns = [
    path("admin/helpdesk-import/", views.import_list, name="legacy-imports"),
    path("admin/helpdesk-import/<int:pk>/", views.import_detail, name="legacy-import"),
    path(
        "admin/helpdesk-import/<int:pk>/resume/",
        views.import_resume,
        name="legacy-import-resume",
    ),
]
