"""Django admin: reference data (types, statuses, priorities/SLA, criticalities, components,
canned replies, calendar), per-organization equipment and projects, and read-only tickets (people
change them, their assignees included, through the ticket pages: tickets.services)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import caching
from .models import (
    Asset,
    BusinessCalendar,
    CannedReply,
    Component,
    Criticality,
    Holiday,
    Priority,
    Project,
    Status,
    Ticket,
    TicketType,
)


class CachedReferenceAdmin(admin.ModelAdmin):
    """Rows that pages read from tickets.caching's reference copy: every save or delete made
    here (change form, list edits, inlines, bulk delete) tells it."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        caching.reference_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        caching.reference_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        caching.reference_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        caching.reference_changed()


class ReferenceAdmin(CachedReferenceAdmin):
    list_display = ("name_fr", "name_en", "code", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name_fr", "name_en", "code")


@admin.register(TicketType)
class TicketTypeAdmin(ReferenceAdmin):
    list_display = (*ReferenceAdmin.list_display, "is_development")


@admin.register(Status)
class StatusAdmin(ReferenceAdmin):
    list_display = (*ReferenceAdmin.list_display, "category", "colour", "is_default")
    list_filter = ("category", "is_active")

    def has_delete_permission(self, request, obj=None):
        """A status in use stays: retire it (untick "active") instead."""
        if obj is not None and Ticket.objects.filter(status=obj).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Priority)
class PriorityAdmin(ReferenceAdmin):
    list_display = (
        *ReferenceAdmin.list_display,
        "first_response_hours",
        "resolution_hours",
        "is_default",
    )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and Ticket.objects.filter(priority=obj).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Criticality)
class CriticalityAdmin(ReferenceAdmin):
    list_display = (*ReferenceAdmin.list_display, "colour", "is_default")

    def has_delete_permission(self, request, obj=None):
        if obj is not None and Ticket.objects.filter(criticality=obj).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Component)
class ComponentAdmin(ReferenceAdmin):
    list_display = (*ReferenceAdmin.list_display, "is_development")


@admin.register(CannedReply)
class CannedReplyAdmin(CachedReferenceAdmin):
    list_display = ("title", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("title", "body")


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(CachedReferenceAdmin):
    list_display = ("name", "working_days", "day_start", "day_end", "time_zone")
    inlines = [HolidayInline]


@admin.register(Asset, Project)
class OrganizationItemAdmin(admin.ModelAdmin):
    list_display = ("name", "reference", "location", "organization", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "reference", "organization__name")
    autocomplete_fields = ("organization",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Technical access, read-only: people change tickets through the ticket pages (services),
    which keep what goes with a change (the timeline, Ticket.is_assigned, the cached counters)."""

    list_display = ("number", "title", "organization", "status", "priority", "last_activity_at")
    list_select_related = ("organization", "status", "priority")
    search_fields = ("=number", "title")
    readonly_fields = [f.name for f in Ticket._meta.fields] + ["assignees", "followers"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        caching.tickets_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        caching.tickets_changed()

    @admin.display(description=_("number"))
    def number_display(self, obj):
        return f"#{obj.number}"
