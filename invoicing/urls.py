from django.urls import path

from . import views

app_name = "invoicing"

urlpatterns = [
    path("tickets/<int:number>/interventions/", views.ticket_box, name="ticket-box"),
    path(
        "tickets/<int:number>/interventions/new/",
        views.intervention_form,
        name="intervention-new",
    ),
    path("interventions/<int:pk>/", views.intervention_detail, name="intervention"),
    path("interventions/<int:pk>/edit/", views.intervention_form, name="intervention-edit"),
    path("interventions/<int:pk>/sign/", views.intervention_sign, name="intervention-sign"),
    path(
        "interventions/<int:pk>/send-link/",
        views.intervention_send_link,
        name="intervention-send-link",
    ),
    path("interventions/<int:pk>/report.pdf", views.intervention_report, name="intervention-pdf"),
    path("interventions/validate/<str:token>/", views.intervention_validate, name="validate"),
    path("run/", views.billing_run, name="run"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/issue/", views.invoice_issue, name="invoice-issue"),
    path("invoices/<int:pk>/discard/", views.invoice_discard, name="invoice-discard"),
    path("invoices/<int:pk>/credit/", views.invoice_credit, name="invoice-credit"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path("invoices/<int:pk>/csv/", views.invoice_csv, name="invoice-csv"),
    path("invoices/<int:pk>/json/", views.invoice_json, name="invoice-json"),
    path("portal/", views.portal, name="portal"),
    path("statements/<int:pk>/pdf/", views.statement_pdf, name="statement-pdf"),
]
