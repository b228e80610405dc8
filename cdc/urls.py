from django.urls import path

from . import fragments, views

app_name = "cdc"

urlpatterns = [
    path("", views.change_request_list, name="list"),
    path("new/", views.change_request_new, name="new"),
    path("requester-card/", views.requester_card, name="requester-card"),
    path("from-ticket/<int:number>/", fragments.start_from_ticket, name="start-from-ticket"),
    path("calendar/", views.calendar_month, name="calendar"),
    path("calendar.ics", views.calendar_feed, name="calendar-feed"),
    path("<int:number>/", views.change_request_detail, name="detail"),
    path("<int:number>/request/", views.edit_request, name="request-edit"),
    path("<int:number>/submit/", views.submit, name="submit"),
    path("<int:number>/files/<str:side>/", views.upload, name="upload"),
    path("<int:number>/file/<int:pk>/", views.download, name="download"),
    path("<int:number>/analysis/", views.analysis, name="analysis"),
    path("<int:number>/dpo/", views.dpo_review, name="dpo"),
    path("<int:number>/decision/", views.decision, name="decision"),
    path("<int:number>/tasks/", views.task_add, name="task-add"),
    path("<int:number>/tasks/<int:pk>/", views.task_dates, name="task-dates"),
    path("<int:number>/tasks/<int:pk>/check/", views.task_check, name="task-check"),
    path("<int:number>/deliver/", views.deliver, name="deliver"),
    path("<int:number>/acceptance/", views.acceptance, name="acceptance"),
]
