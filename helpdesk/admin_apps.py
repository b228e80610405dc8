"""Django's admin app with the helpdesk's admin site (helpdesk/adminsite.py); a module of its
own because an AppConfig module is imported before the models are ready."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "helpdesk.adminsite.AdminSite"
