"""Every invoicing page, PDF and export by role (hidden means 404), the forms (French amounts,
what they keep and refuse), the signature post, the validation link, and query counts that do
not grow with rows."""

import base64
import datetime as dt
import json
import subprocess
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from invoicing import documents, services
from invoicing.models import Intervention, Invoice

from .conftest import END, PNG, START

pytestmark = pytest.mark.django_db

PEOPLE = ["client_a", "client_admin_a", "client_b", "reseller", "agent", "admin", "sales", "dpo"]


@pytest.fixture
def reseller(reseller_org):
    from accounts.models import Role
    from tests.factories import make_user

    return make_user(Role.Code.RESELLER, organization=reseller_org, email="res@reseller.test")


@pytest.fixture
def world(admin, agent, org_a, ticket_a, make_contract, log, make_intervention, client_admin_a):
    make_contract(org_a, kind="time")
    log(ticket_a, 60)
    intervention = make_intervention(ticket_a)
    documents.render_intervention(intervention.pk, email=False)
    draft = services.run_billing(actor=admin, start=START, end=END).invoices[0]
    issued = services.issue_invoice(actor=admin, invoice=draft, version=draft.version)
    documents.render_invoice(issued.pk)
    log(ticket_a, 30)
    draft = services.run_billing(actor=admin, start=START, end=END).invoices[0]
    statement = documents.render_statement(org_a, dt.date(2026, 12, 1))
    return {
        "ticket": ticket_a,
        "intervention": intervention,
        "issued": issued,
        "draft": draft,
        "statement": statement,
    }


def urls(world):
    i, inv, d = world["intervention"].pk, world["issued"].pk, world["draft"].pk
    n = world["ticket"].number
    return {
        "box": reverse("invoicing:ticket-box", args=[n]),
        "new": reverse("invoicing:intervention-new", args=[n]),
        "intervention": reverse("invoicing:intervention", args=[i]),
        "report": reverse("invoicing:intervention-pdf", args=[i]),
        "run": reverse("invoicing:run"),
        "invoices": reverse("invoicing:invoices"),
        "invoice": reverse("invoicing:invoice", args=[inv]),
        "pdf": reverse("invoicing:invoice-pdf", args=[inv]),
        "csv": reverse("invoicing:invoice-csv", args=[inv]),
        "json": reverse("invoicing:invoice-json", args=[inv]),
        "draft": reverse("invoicing:invoice", args=[d]),
        "portal": reverse("invoicing:portal"),
        "statement": reverse("invoicing:statement-pdf", args=[world["statement"].pk]),
    }


OK = 200
CLIENT_SIDE = {"client_a": OK, "client_admin_a": OK, "reseller": OK}
SEES_TICKET = {**CLIENT_SIDE, "agent": OK, "admin": OK, "sales": OK}
# Invoices and statements: the organization's client admins, its sales rep and admins only;
# other client-side people (client users, resellers) get 404 as if there were none.
SEES_INVOICES = {"client_admin_a": OK, "admin": OK, "sales": OK}
EXPECTED = {
    "box": {**SEES_TICKET},
    "new": {"agent": OK, "admin": OK, **dict.fromkeys(["client_a", "client_admin_a"], 403),
            "reseller": 403, "sales": 403},
    "intervention": SEES_TICKET,
    "report": SEES_TICKET,
    "run": {"admin": OK},
    "invoices": SEES_INVOICES,
    "invoice": SEES_INVOICES,
    "pdf": SEES_INVOICES,
    "csv": SEES_INVOICES,
    "json": SEES_INVOICES,
    "draft": {"admin": OK},
    "portal": {**SEES_INVOICES, **CLIENT_SIDE, "client_b": OK},  # interventions only: below
    "statement": SEES_INVOICES,
}  # fmt: skip


@pytest.mark.parametrize("person", PEOPLE)
def test_role_matrix_of_every_page_pdf_and_export(request, login, world, person):
    web = login(request.getfixturevalue(person))
    for name, url in urls(world).items():
        expected = EXPECTED[name].get(person, 404)
        response = web.get(url)
        assert response.status_code == expected, (person, name, response.status_code)


def test_the_portal_shows_invoices_to_client_admins_and_interventions_to_client_users(
    login, client_a, client_admin_a, org_a, world, make_ticket, make_intervention
):
    org_a.clients_see_all_tickets = False  # each client user sees their own tickets
    org_a.save(update_fields=["clients_see_all_tickets"])
    theirs = make_ticket(client_admin_a, title="Poste de la direction")
    hidden = make_intervention(theirs)
    invoice, statement = world["issued"], world["statement"]
    statement_url = reverse("invoicing:statement-pdf", args=[statement.pk])
    page = login(client_a).get(reverse("invoicing:portal")).content.decode()
    assert world["intervention"].get_absolute_url() in page  # on their own ticket
    assert hidden.get_absolute_url() not in page  # on a ticket they do not see
    assert invoice.number not in page and statement_url not in page
    assert ">Interventions<" in page and "Interventions and invoices" not in page
    assert login(client_a).get(hidden.get_absolute_url()).status_code == 404
    page = login(client_admin_a).get(reverse("invoicing:portal")).content.decode()
    assert invoice.number in page and statement_url in page
    assert hidden.get_absolute_url() in page and "Interventions and invoices" in page


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for url in urls(world).values():
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_forged_and_foreign_ids_answer_404(login, admin, client_b, world):
    web = login(admin)
    for url in (
        "/invoicing/invoices/999999/",
        "/invoicing/interventions/999999/",
        "/invoicing/statements/999999/pdf/",
        "/invoicing/invoices/99999999999999999999/",
    ):
        assert web.get(url).status_code == 404  # fmt: skip
    web = login(client_b)
    response = web.post(reverse("invoicing:invoice-credit", args=[world["issued"].pk]))
    assert response.status_code == 404


def pdf_text(response) -> str:
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True)
    return result.stdout.decode()


def test_the_invoice_pdf_has_the_company_vat_per_line_and_totals(
    login, client_admin_a, world, settings
):
    response = login(client_admin_a).get(urls(world)["pdf"])
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(response)
    invoice = world["issued"]
    assert invoice.number in text
    assert settings.INVOICING_COMPANY["name"] in text
    assert "Alpha Industries" in text
    assert "5.50 %" in text or "5,50 %" in text  # the cable's VAT rate, on its line
    assert "Disque SSD 1 To" in text


def test_the_intervention_report_shows_the_signature_and_the_work(login, client_a, world):
    text = pdf_text(login(client_a).get(urls(world)["report"]))
    assert "Remplacement du disque" in text
    assert "Chloé Alpha" in text


def test_csv_and_json_exports_for_the_erp(login, admin, world):
    web = login(admin)
    csv_text = web.get(urls(world)["csv"]).content.decode("utf-8-sig")
    header, *rows = csv_text.strip().splitlines()
    assert header.startswith("number;kind;issue_date;client")
    assert len(rows) == world["issued"].lines.count()
    data = json.loads(web.get(urls(world)["json"]).content)
    assert data["number"] == world["issued"].number
    assert Decimal(data["total_gross"]) == world["issued"].total_gross
    assert sum(Decimal(line["amount"]) for line in data["lines"]) == world["issued"].total_net


def test_a_csv_cell_never_runs_as_a_formula(login, admin, world):
    invoice = world["draft"]
    line = invoice.lines.first()
    services.save_lines(
        actor=admin,
        invoice=invoice,
        version=invoice.version,
        rows=[{"id": line.pk, "description": "=HYPERLINK(\"http://x\")", "quantity": 1,
               "unit_price": Decimal("10"), "vat_rate": Decimal("20")}],
    )  # fmt: skip
    invoice.refresh_from_db()
    issued = services.issue_invoice(actor=admin, invoice=invoice, version=invoice.version)
    body = login(admin).get(reverse("invoicing:invoice-csv", args=[issued.pk])).content.decode()
    assert "'=HYPERLINK" in body and ";=HYPERLINK" not in body


def test_the_admin_edits_a_draft_with_french_amounts_and_issues_it(login, admin, world):
    web = login(admin)
    draft = world["draft"]
    line = draft.lines.get()
    data = {
        "version": draft.version,
        "notes": "<script>alert(1)</script>",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "1",
        "lines-0-id": line.pk,
        "lines-0-description": "Support",
        "lines-0-quantity": "1,5",
        "lines-0-unit_price": "1 000,00",
        "lines-0-vat_rate": "20",
        "lines-1-description": "Frais",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "12,34",
        "lines-1-vat_rate": "5,5",
    }
    response = web.post(urls(world)["draft"], data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.total_net == Decimal("1512.34")
    page = web.get(urls(world)["draft"]).content.decode()
    assert "<script>alert(1)</script>" not in page
    stale = web.post(urls(world)["draft"], {**data, "version": 1})
    assert stale.status_code == 422 and "1,5" in stale.content.decode()
    response = web.post(
        reverse("invoicing:invoice-issue", args=[draft.pk]), {"version": draft.version}
    )
    draft.refresh_from_db()
    assert draft.number == "F2026-00002"
    assert web.post(urls(world)["draft"], data).status_code in (
        200,
        404,
    )  # no edit of an issued one
    draft.refresh_from_db()
    assert draft.total_net == Decimal("1512.34")


def test_the_billing_run_page_prepares_drafts(login, admin, world):
    web = login(admin)
    assert 'value="2026-11-01"' in web.get(urls(world)["run"]).content.decode()
    bad = web.post(urls(world)["run"], {"start": "2026-12-31", "end": "2026-11-01"})
    assert bad.status_code == 422
    response = web.post(urls(world)["run"], {"start": "2026-11-01", "end": "2026-12-31"})
    assert response.status_code == 302
    assert Invoice.objects.filter(state="draft").count() == 1


def test_an_agent_creates_an_intervention_from_the_ticket(login, agent, world, ticket_a):
    web = login(agent)
    data = {
        "starts_at": "2026-12-03T14:00",
        "duration": "1h30",
        "place": "remote",
        "technicians": [agent.pk],
        "work_done": "Mise à jour du pilote",
        "travel": "",
        "travel_amount": "",
        "supplies-TOTAL_FORMS": "3",
        "supplies-INITIAL_FORMS": "0",
        "supplies-0-description": "Licence",
        "supplies-0-quantity": "2",
        "supplies-0-unit_price": "49,90",
        "supplies-0-vat_rate": "20",
    }
    response = web.post(urls(world)["new"], data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Intervention.objects.latest("pk")
    assert created.duration_minutes == 90 and created.place == "remote"
    assert created.supplies.get().unit_price == Decimal("49.90")
    bad = web.post(urls(world)["new"], {**data, "supplies-0-quantity": "", "work_done": "kept"})
    assert bad.status_code == 422 and "kept" in bad.content.decode()


def test_the_client_signs_on_a_phone_and_gets_the_report(
    login, client_a, agent, ticket_a, make_intervention, django_capture_on_commit_callbacks
):
    intervention = make_intervention(ticket_a, sign=False)
    web = login(client_a)
    url = reverse("invoicing:intervention-sign", args=[intervention.pk])
    assert web.get(url).status_code == 200
    assert (
        web.post(url, {"signer_name": "Chloé", "signature": "data:image/png;base64,!!"}).status_code
        == 422
    )
    png = "data:image/png;base64," + base64.b64encode(PNG).decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(url, {"signer_name": "Chloé Alpha", "signature": png})
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert intervention.is_signed and intervention.report
    sent = [m for m in mail.outbox if "Intervention report" in m.subject]
    assert sent and sent[0].attachments[0][2] == "application/pdf"
    assert sent[0].to == [client_a.email]


def test_the_validation_link_is_for_the_client_side_and_refuses_forgeries(
    login, client_admin_a, client_b, ticket_a, make_intervention
):
    intervention = make_intervention(ticket_a, sign=False)
    client = login(client_b)
    assert (
        client.get(
            reverse("invoicing:validate", args=[services.intervention_token(intervention)])
        ).status_code
        == 404
    )
    client = login(client_admin_a)
    token = services.intervention_token(intervention)
    url = reverse("invoicing:validate", args=[token])
    assert client.get(url).status_code == 200
    assert client.get(reverse("invoicing:validate", args=[token + "x"])).status_code == 404
    assert client.post(url, {"signer_name": "Bea"}).status_code == 422  # not confirmed
    assert client.post(url, {"signer_name": "Bea Boss", "agree": "on"}).status_code == 200
    intervention.refresh_from_db()
    assert intervention.validated_via_link and intervention.signer_name == "Bea Boss"


def test_lists_take_a_fixed_number_of_queries(
    login, admin, client_admin_a, world, django_assert_max_num_queries, make_intervention, ticket_a
):
    for _ in range(5):
        make_intervention(ticket_a)
    services.run_billing(actor=admin, start=START, end=END)
    for person, name, bound in ((admin, "invoices", 12), (client_admin_a, "portal", 16)):
        web = login(person)
        with django_assert_max_num_queries(bound):
            assert web.get(urls(world)[name]).status_code == 200


def test_the_monthly_job_emails_statements_to_client_admins_once(
    client_admin_a, world, django_capture_on_commit_callbacks
):
    from django.core import mail as django_mail

    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        count = documents.monthly_statements(today=dt.date(2027, 1, 1))
    assert count >= 1
    sent = [m for m in django_mail.outbox if client_admin_a.email in m.to]
    assert len(sent) == 1 and sent[0].attachments[0][0] == "releve-2026-12.pdf"
    assert documents.monthly_statements(today=dt.date(2027, 1, 1)) == 0


def test_edit_send_link_discard_and_credit_from_the_pages(
    login, admin, agent, world, ticket_a, make_intervention, django_capture_on_commit_callbacks
):
    draft_int = make_intervention(ticket_a, sign=False)
    web = login(agent)
    edit = reverse("invoicing:intervention-edit", args=[draft_int.pk])
    assert "Remplacement du disque" in web.get(edit).content.decode()
    data = {"version": 99, "starts_at": "2026-12-03T14:00", "duration": "1h", "place": "remote",
            "technicians": [agent.pk], "work_done": "Gardé", "supplies-TOTAL_FORMS": "0",
            "supplies-INITIAL_FORMS": "0"}  # fmt: skip
    stale = web.post(edit, data)
    assert stale.status_code == 422 and "Gardé" in stale.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(reverse("invoicing:intervention-send-link", args=[draft_int.pk]))
    assert response.status_code == 302
    assert any("/invoicing/interventions/validate/" in m.body for m in mail.outbox)
    # A signed intervention can no longer be edited.
    assert (
        web.get(
            urls(world)["intervention"].replace("/interventions/", "/interventions/") + "edit/"
        ).status_code
        == 403
    )
    office = login(admin)
    draft = world["draft"]
    discard = reverse("invoicing:invoice-discard", args=[draft.pk])
    assert office.post(discard, {"version": draft.version}).status_code == 302
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    credit = reverse("invoicing:invoice-credit", args=[world["issued"].pk])
    assert office.post(credit, {"reason": ""}).status_code == 302  # refused: no reason
    assert not Invoice.objects.filter(kind="credit").exists()
    assert office.post(credit, {"reason": "Erreur de taux"}).status_code == 302
    assert Invoice.objects.get(kind="credit").credited == world["issued"]


def test_a_prepaid_block_is_one_line_on_the_pdf_and_its_tickets_are_in_the_review(
    login, admin, client_a, org_a, ticket_a, make_ticket, make_contract, log
):
    make_contract(org_a, kind="prepaid", block_hours=Decimal("50"))
    other = make_ticket(client_a, title="Messagerie lente")
    log(ticket_a, 40)
    log(other, 35)
    draft = services.run_billing(actor=admin, start=START, end=END).invoices[0]
    review = login(admin).get(reverse("invoicing:invoice", args=[draft.pk])).content.decode()
    assert "Detail: 2 tickets" in review
    assert f"#{ticket_a.number} Impossible d" in review and "Messagerie lente" in review
    issued = services.issue_invoice(actor=admin, invoice=draft, version=draft.version)
    documents.render_invoice(issued.pk)
    text = " ".join(pdf_text(login(admin).get(reverse("invoicing:invoice-pdf", args=[issued.pk])))
                    .split())  # fmt: skip
    assert "Prepaid block “Contrat Alpha Industries”: 1.5 h used in the" in text
    assert "48.5 h left" in text and text.count("h used in the") == 1
    assert "Messagerie lente" not in text and ticket_a.title not in text
