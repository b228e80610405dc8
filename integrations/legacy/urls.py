from django.urls import path

from . import views

# Included by integrations.urls (app namespace "integrations"). Not administration/<name>/:
# that pattern is the reference lists' (administration.urls, matched first).
urlpatterns = [
    path("administration/import/helpdesk/", views.import_list, name="legacy-imports"),
    path("administration/import/helpdesk/<int:pk>/", views.import_detail, name="legacy-import"),
    path(
        "administration/import/helpdesk/<int:pk>/resume/",
        views.import_resume,
        name="legacy-import-resume",
    ),
]
