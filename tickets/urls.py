from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_create, name="new"),
    path("bulk/", views.ticket_bulk, name="bulk"),
    path("bulk/changes/", views.bulk_changes, name="bulk-changes"),
    path("filters/", views.more_filters, name="more-filters"),
    path("views/save/", views.saved_filter_save, name="saved-filter-save"),
    path("views/<int:pk>/delete/", views.saved_filter_delete, name="saved-filter-delete"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path(
        "of/<str:kind>/<int:pk>/",
        views.related_tickets,
        name="related",
    ),
    path("<int:number>/", views.ticket_detail, name="detail"),
    path("<int:number>/reply/", views.ticket_reply, name="reply"),
    path("<int:number>/status/", views.ticket_status, name="status"),
    path("<int:number>/priority/", views.ticket_priority, name="priority"),
    path("<int:number>/fields/", views.ticket_fields, name="fields"),
    path("<int:number>/classification/", views.ticket_classification, name="classification"),
    path("<int:number>/edit/", views.ticket_edit, name="edit"),
    path("<int:number>/assign/", views.ticket_assign, name="assign"),
    path("<int:number>/claim/", views.ticket_claim, name="claim"),
    path("<int:number>/escalate/", views.ticket_escalate, name="escalate"),
    path("<int:number>/reopen/", views.ticket_reopen, name="reopen"),
    path("<int:number>/transfer/", views.ticket_transfer, name="transfer"),
    path("<int:number>/files/<int:pk>/", views.attachment_download, name="attachment"),
    path(
        "<int:number>/files/<int:pk>/thumbnail/",
        views.attachment_download,
        {"thumbnail": True},
        name="attachment-thumbnail",
    ),
]
