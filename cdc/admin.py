from django.contrib import admin

from .models import Attachment, ChangeRequest, Check, HistoryEntry, Task


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["title", "start_date", "end_date"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through cdc.services, never through the admin."""

    list_display = ["number", "title", "organization", "state", "planned_date"]
    list_filter = ["state", "kind"]
    search_fields = ["number", "title"]
    list_select_related = ["organization"]
    readonly_fields = ["number", "state", "version", "submitted_at", "delivered_at", "closed_at"]
    raw_id_fields = ["organization", "requester", "created_by"]
    inlines = [TaskInline]


@admin.register(HistoryEntry)
class HistoryEntryAdmin(admin.ModelAdmin):
    list_display = ["change_request", "actor", "action", "from_state", "to_state", "created_at"]
    list_select_related = ["change_request", "actor"]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register([Attachment, Check])
