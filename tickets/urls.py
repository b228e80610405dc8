from django.urls import path

from .views import actions, bulk, colours, detail, filing, queue, related, saved_filters

app_name = "tickets"

urlpatterns = [
    path("", queue.ticket_list, name="list"),
    path("new/", filing.ticket_create, name="new"),
    path("bulk/", bulk.ticket_bulk, name="bulk"),
    path("bulk/changes/", bulk.bulk_changes, name="bulk-changes"),
    path("filters/", queue.more_filters, name="more-filters"),
    path("status-colours.css", colours.status_colours, name="status-colours"),
    path("density/", queue.queue_density, name="queue-density"),
    path("views/save/", saved_filters.saved_filter_save, name="saved-filter-save"),
    path("views/<int:pk>/delete/", saved_filters.saved_filter_delete, name="saved-filter-delete"),
    path("contacts/<int:pk>/", related.contact_detail, name="contact"),
    path("of/<str:kind>/<int:pk>/", related.related_tickets, name="related"),
    path("<int:number>/", detail.ticket_detail, name="detail"),
    path("<int:number>/reply/", actions.ticket_reply, name="reply"),
    path("<int:number>/status/", actions.ticket_status, name="status"),
    path("<int:number>/priority/", actions.ticket_priority, name="priority"),
    path("<int:number>/fields/", actions.ticket_fields, name="fields"),
    path("<int:number>/classification/", detail.ticket_classification, name="classification"),
    path("<int:number>/timeline/", detail.ticket_timeline_earlier, name="timeline-earlier"),
    path("<int:number>/edit/", actions.ticket_edit, name="edit"),
    path("<int:number>/assign/", actions.ticket_assign, name="assign"),
    path("<int:number>/claim/", actions.ticket_claim, name="claim"),
    path("<int:number>/escalate/", actions.ticket_escalate, name="escalate"),
    path("<int:number>/reopen/", actions.ticket_reopen, name="reopen"),
    path("<int:number>/transfer/", actions.ticket_transfer, name="transfer"),
    path("<int:number>/files/<int:pk>/", detail.attachment_download, name="attachment"),
    path(
        "<int:number>/files/<int:pk>/thumbnail/",
        detail.attachment_download,
        {"thumbnail": True},
        name="attachment-thumbnail",
    ),
]
