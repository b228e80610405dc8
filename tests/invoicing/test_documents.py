"""What the background documents do: an issued invoice or credit note is emailed once to the
client admins with its PDF, in each one's language; the monthly statement counts the time of
its month and what is left on the block at the month's end."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.core import mail

from accounts.models import Role
from invoicing import documents, services
from invoicing.models import Invoice
from tests.factories import make_user

from .conftest import END, START

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_admin(org_a):
    """Another client admin of organization A, who reads French."""
    codes = (Role.Code.CLIENT_USER, Role.Code.CLIENT_ADMIN)
    return make_user(*codes, organization=org_a, email="daf@alpha.test", language="fr")


def _issue(admin, django_capture_on_commit_callbacks) -> Invoice:
    draft = services.run_billing(actor=admin, start=START, end=END).invoices[0]
    with django_capture_on_commit_callbacks(execute=True):
        return services.issue_invoice(actor=admin, invoice=draft, version=draft.version)


def test_an_issued_invoice_is_emailed_once_to_the_client_admins_with_its_pdf(
    admin,
    client_a,
    client_admin_a,
    second_admin,
    client_b,
    org_a,
    ticket_a,
    make_contract,
    log,
    django_capture_on_commit_callbacks,
):
    make_contract(org_a, kind="time")
    log(ticket_a, 60)
    mail.outbox.clear()
    invoice = _issue(admin, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.pdf and invoice.emailed_at is not None
    sent = {message.to[0]: message for message in mail.outbox}
    # The client admins only: not the client user who filed the ticket, not another client.
    assert set(sent) == {client_admin_a.email, second_admin.email}
    english, french = sent[client_admin_a.email], sent[second_admin.email]
    assert invoice.number in english.subject and "Alpha Industries" in english.subject
    assert english.body.startswith("Hello,") and french.body.startswith("Bonjour,")
    name, content, content_type = english.attachments[0]
    assert (name, content_type) == (f"{invoice.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert f"/invoicing/invoices/{invoice.pk}/" in english.body
    assert "/invoicing/portal/" in english.alternatives[0][0]
    # A re-render (a retried job, a rebuilt PDF) never sends it again.
    first_sent = invoice.emailed_at
    with django_capture_on_commit_callbacks(execute=True):
        documents.render_invoice(invoice.pk)
    assert len(mail.outbox) == 2
    invoice.refresh_from_db()
    assert invoice.emailed_at == first_sent


def test_a_credit_note_is_emailed_too(
    admin, client_admin_a, org_a, ticket_a, make_contract, log, django_capture_on_commit_callbacks
):
    make_contract(org_a, kind="time")
    log(ticket_a, 60)
    invoice = _issue(admin, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        credit = services.credit_invoice(actor=admin, invoice=invoice, reason="Erreur de taux")
    (message,) = mail.outbox
    assert message.to == [client_admin_a.email]
    assert credit.number in message.subject and invoice.number in message.body
    assert message.attachments[0][0] == f"{credit.number}.pdf"


def test_an_organization_without_client_admin_gets_no_email_but_the_pdf(
    admin, client_a, org_a, ticket_a, make_contract, log, django_capture_on_commit_callbacks
):
    make_contract(org_a, kind="time")
    log(ticket_a, 60)
    mail.outbox.clear()
    invoice = _issue(admin, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.pdf and mail.outbox == []


def _statement_text(statement) -> str:
    with statement.pdf.open("rb") as handle:
        data = handle.read()
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True)
    return " ".join(result.stdout.decode().split())


def test_the_statement_counts_the_time_of_its_month_and_what_is_left_at_its_end(
    org_a, ticket_a, evolution_a, make_contract, log
):
    make_contract(org_a, kind="prepaid", block_hours=Decimal("10"))
    log(evolution_a, 240, day=dt.date(2026, 11, 16))  # billed on its estimate, not the block
    log(ticket_a, 120, day=dt.date(2026, 11, 12))
    log(ticket_a, 50, day=dt.date(2026, 11, 20))  # 1h00 at the quarter: 3h00 in November
    log(ticket_a, 90, day=dt.date(2026, 12, 3))  # 1h30 in December
    log(ticket_a, 600, day=dt.date(2027, 1, 5))  # next month: in no statement above
    november = documents.statement_context(org_a, dt.date(2026, 11, 1))["time"]
    december = documents.statement_context(org_a, dt.date(2026, 12, 1))["time"]
    assert (november.minutes, november.left_hours) == (180, Decimal("7.00"))
    assert (december.minutes, december.left_hours) == (90, Decimal("5.50"))
    text = _statement_text(documents.render_statement(org_a, dt.date(2026, 12, 1)))
    assert "1h30 5,50 h" in text  # the two figures, side by side (the PDF is in French)
    january = documents.statement_context(org_a, dt.date(2027, 1, 1))["time"]
    assert (january.minutes, january.left_hours, january.over_hours) == (
        600,
        Decimal("0.00"),
        Decimal("4.50"),  # 3h + 1h30 + 10h on a block of 10h
    )


def test_without_a_contract_the_statement_counts_the_billable_minutes_of_the_month(
    org_a, ticket_a, log
):
    log(ticket_a, 20, day=dt.date(2026, 11, 30))
    log(ticket_a, 25, day=dt.date(2026, 12, 1))
    log(ticket_a, 30, day=dt.date(2026, 12, 2), billable=False)
    time = documents.statement_context(org_a, dt.date(2026, 12, 1))["time"]
    assert (time.minutes, time.contract, time.left_hours) == (25, None, None)
