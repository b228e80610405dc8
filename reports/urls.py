from django.urls import path, re_path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:key>/", views.report, name="report"),
    re_path(r"^(?P<key>[-\w]+)/export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
    path("<slug:key>/subscribe/", views.subscribe, name="subscribe"),
]
