from django.urls import path

from . import views

app_name = "wiki"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("tickets/<int:number>/", views.ticket_suggestions, name="ticket-suggestions"),
    path("new/", views.page_new, name="new"),
    path("preview/", views.preview, name="preview"),
    path("spaces/<int:pk>/", views.space_detail, name="space"),
    path("pages/<int:pk>/", views.page_detail, name="page"),
    path("pages/<int:pk>/edit/", views.page_edit, name="edit"),
    path("pages/<int:pk>/viewed/", views.page_viewed, name="viewed"),
    path("pages/<int:pk>/helpful/", views.helpful, name="helpful"),
    path("pages/<int:pk>/history/", views.history, name="history"),
    path("pages/<int:pk>/history/<int:number>/", views.revision_detail, name="revision"),
    path(
        "pages/<int:pk>/history/<int:number>/restore/",
        views.revision_restore,
        name="revision-restore",
    ),
    path("pages/<int:pk>/files/", views.attachment_upload, name="attachment-upload"),
    path("pages/<int:pk>/files/<int:file_pk>/", views.attachment_download, name="attachment"),
    path(
        "pages/<int:pk>/files/<int:file_pk>/thumbnail/",
        views.attachment_download,
        {"thumbnail": True},
        name="attachment-thumbnail",
    ),
]
