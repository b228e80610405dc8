from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("tickets/<int:number>/time/", views.time_box, name="time-box"),
    path("tickets/<int:number>/time/log/", views.log_time, name="log-time"),
    path("tickets/<int:number>/timer/start/", views.timer_start, name="timer-start"),
    path("tickets/<int:number>/timer/stop/", views.timer_stop, name="timer-stop"),
    path("tickets/<int:number>/timer/cancel/", views.timer_cancel, name="timer-cancel"),
    path("timer/", views.timer_bar, name="timer-bar"),
    path("tickets/<int:number>/estimates/", views.estimate_send, name="estimate-send"),
    path("cdc/<int:number>/quote/", views.cdc_quote, name="cdc-quote"),
    path("cdc/<int:number>/quote/send/", views.cdc_quote_send, name="cdc-quote-send"),
    path("estimates/<int:pk>/accept/", views.estimate_accept, name="estimate-accept"),
    path("estimates/<int:pk>/refuse/", views.estimate_refuse, name="estimate-refuse"),
    path("estimates/<int:pk>/document/", views.estimate_document, name="estimate-document"),
    path("estimates/answer/<str:token>/", views.estimate_link, name="estimate-link"),
    path("timesheet/", views.timesheet, name="timesheet"),
    path("timesheet/<int:pk>/submit/", views.timesheet_submit, name="timesheet-submit"),
    path("entries/<int:pk>/", views.entry_edit, name="entry-edit"),
    path("entries/<int:pk>/correct/", views.entry_correct, name="entry-correct"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/", views.approve, name="approve"),
    path("contracts/", views.contracts, name="contracts"),
    path("contracts/new/", views.contract_form, name="contract-new"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/edit/", views.contract_form, name="contract-edit"),
    path("contracts/<int:pk>/rates/", views.rate_add, name="rate-add"),
    path("contracts/<int:pk>/rates/<int:rate_pk>/delete/", views.rate_delete, name="rate-delete"),
    path("contracts/<int:pk>/renew/", views.contract_renew, name="contract-renew"),
    path("balance/", views.balance, name="balance"),
]
