"""Django admin (technical access for superusers); people are managed in the app's /users/."""

from django.contrib import admin

from . import caching
from .models import Organization, Role, User, UserRole


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "first_name", "last_name", "organization", "is_active"]
    list_filter = ["is_active", "awaiting_approval", "is_demo"]
    list_select_related = ["organization"]
    search_fields = ["email", "first_name", "last_name"]
    exclude = ["password", "user_permissions", "groups"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [UserRoleInline]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "city"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["name", "external_id"]
    filter_horizontal = ["sales_reps"]

    # The cached organization names (accounts.caching), as accounts.services.save_organization.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        caching.organizations_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        caching.organizations_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        caching.organizations_changed()


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "is_staff_role", "order"]
