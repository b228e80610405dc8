"""The billing run, drafts, issuing, numbering and credit notes, and interventions, through
services (invoicing reuses billing's contracts, rounding and rates)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from billing import services as billing_services
from billing.models import TimeEntry
from invoicing import services
from invoicing.errors import AlreadyBilled, Immutable, InvoicingError, StaleVersion
from invoicing.models import Invoice, InvoiceLine

from .conftest import END, MONDAY, PNG, START

pytestmark = pytest.mark.django_db


def run(admin, **kwargs):
    return services.run_billing(actor=admin, start=START, end=END, **kwargs)


def draft_of(org):
    return Invoice.objects.get(organization=org, state="draft")


def test_time_is_billed_at_the_contracts_rates_rounded_per_entry(
    admin, org_a, ticket_a, make_contract, log
):
    contract = make_contract(org_a, kind="time", default_rate=Decimal("80.00"))
    billing_services.set_rate(
        actor=admin, contract=contract, activity="analysis", level=None, hourly_rate=Decimal("100")
    )
    log(ticket_a, 20)  # 30 min at 80 = 40.00
    log(ticket_a, 50, activity="analysis")  # 60 min at 100 = 100.00
    log(ticket_a, 10, billable=False)  # never billed
    result = run(admin)
    invoice = result.invoices[0]
    lines = list(invoice.lines.order_by("unit_price"))
    assert [(line.quantity, line.unit_price, line.amount) for line in lines] == [
        (Decimal("0.50"), Decimal("80.00"), Decimal("40.00")),
        (Decimal("1.00"), Decimal("100.00"), Decimal("100.00")),
    ]
    assert invoice.total_net == Decimal("140.00") == billing_services.contract_amount(contract)
    assert invoice.total_vat == Decimal("28.00")
    assert invoice.total_gross == Decimal("168.00")
    assert f"#{ticket_a.number}" in lines[0].description


def test_rounding_per_ticket_rounds_the_ticket_total_once(
    admin, org_a, ticket_a, make_contract, log
):
    contract = make_contract(org_a, kind="time", rounding_scope="ticket")
    log(ticket_a, 10)
    log(ticket_a, 10)  # 20 minutes -> 30 (per entry it would be 2 x 15)
    invoice = run(admin).invoices[0]
    assert invoice.total_net == Decimal("40.00") == billing_services.contract_amount(contract)


def test_nights_and_weekends_take_the_multiplier(admin, org_a, ticket_a, make_contract, log):
    make_contract(org_a, kind="time", off_hours_multiplier=Decimal("1.5"))
    log(ticket_a, 60, day=MONDAY + dt.timedelta(days=5))  # a Saturday
    line = run(admin).invoices[0].lines.get()
    assert (line.unit_price, line.amount) == (Decimal("120.00"), Decimal("120.00"))


def test_an_evolution_is_billed_on_its_accepted_estimate_not_on_time(
    admin, org_a, ticket_a, evolution_a, accepted_estimate, make_contract, log
):
    make_contract(org_a, kind="time")
    log(evolution_a, 600)  # ten hours of work on the evolution: covered by the estimate
    log(ticket_a, 60)  # an incident: on time
    invoice = run(admin).invoices[0]
    kinds = {line.kind: line for line in invoice.lines.all()}
    assert kinds["estimate"].amount == Decimal("450.00")
    assert kinds["estimate"].estimate == accepted_estimate
    assert kinds["time"].ticket == ticket_a and kinds["time"].amount == Decimal("80.00")
    assert invoice.total_net == Decimal("530.00")
    assert invoice.entry_links.count() == 2  # both entries are settled by this invoice


def test_an_evolution_waits_for_its_estimate(admin, org_a, evolution_a, make_contract, log):
    make_contract(org_a, kind="time")
    log(evolution_a, 120)
    assert run(admin).invoices == []


def test_a_prepaid_block_is_drawn_in_one_line_then_overage_billed(
    admin, client_a, org_a, ticket_a, make_ticket, make_contract, log
):
    make_contract(org_a, kind="prepaid", block_hours=Decimal("1"))
    other = make_ticket(client_a, title="Messagerie lente")
    log(ticket_a, 40)  # 45 min
    log(other, 35)  # 45 min: 1h30 in all, 30 min beyond the block
    invoice = run(admin).invoices[0]
    # One consumption line for the contract, not one 0 EUR line per ticket.
    block = invoice.lines.get(kind="block")
    assert (block.quantity, block.amount, block.ticket) == (Decimal("1.50"), Decimal("0.00"), None)
    assert block.description == (
        "Prepaid block “Contrat Alpha Industries”: 1.5 h used in the period, 0 h left"
    )
    assert sorted((row["number"], row["hours"]) for row in block.detail) == [
        (ticket_a.number, "0.75"),
        (other.number, "0.75"),
    ]
    overage = invoice.lines.get(kind="overage")
    assert (overage.quantity, overage.unit_price, overage.amount) == (
        Decimal("0.50"),
        Decimal("80.00"),
        Decimal("40.00"),
    )
    assert invoice.lines.count() == 2
    assert invoice.entry_links.count() == 2  # both entries are settled by this invoice
    services.issue_invoice(actor=admin, invoice=invoice, version=invoice.version)
    assert not TimeEntry.objects.filter(billed_at__isnull=True).exists()
    assert run(admin).invoices == []  # nothing billed twice
    log(ticket_a, 15)  # the block is used up: all of it is overage
    nxt = run(admin).invoices[0]
    assert nxt.lines.get(kind="block").description.endswith("0.25 h used in the period, 0 h left")
    assert nxt.lines.get(kind="overage").amount == Decimal("20.00")


def test_within_the_block_nothing_is_charged_and_what_is_left_is_said(
    admin, org_a, ticket_a, make_contract, log
):
    make_contract(org_a, kind="prepaid", block_hours=Decimal("50"))
    log(ticket_a, 60)
    first = run(admin).invoices[0]
    services.issue_invoice(actor=admin, invoice=first, version=first.version)
    log(ticket_a, 680)  # 11h20 -> 11h30 at the quarter
    invoice = run(admin).invoices[0]
    assert invoice.total_gross == Decimal("0.00")
    assert not invoice.lines.filter(kind="overage").exists()
    line = invoice.lines.get()
    assert line.description.endswith("11.5 h used in the period, 37.5 h left")
    with translation.override("fr"):
        french = run(admin).invoices[0].lines.get().description
    assert "11,5" in french and "37,5" in french


def test_time_billed_on_an_estimate_never_eats_into_the_block(
    admin, org_a, ticket_a, evolution_a, accepted_estimate, make_contract, log
):
    make_contract(org_a, kind="prepaid", block_hours=Decimal("10"))
    log(evolution_a, 120)  # billed on its estimate
    log(ticket_a, 60)  # drawn from the block
    invoice = run(admin).invoices[0]
    assert invoice.lines.get(kind="block").description.endswith("1 h used in the period, 9 h left")
    services.issue_invoice(actor=admin, invoice=invoice, version=invoice.version)
    log(ticket_a, 60)
    nxt = run(admin).invoices[0]
    assert nxt.lines.get().description.endswith("1 h used in the period, 8 h left")


def test_interventions_bill_supplies_and_travel_with_vat_rounded_per_line(
    admin, org_a, ticket_a, make_contract, make_intervention
):
    make_contract(org_a, kind="time")
    intervention = make_intervention(ticket_a)
    make_intervention(ticket_a, sign=False)  # not signed: not billed yet
    invoice = run(admin).invoices[0]
    lines = list(invoice.lines.order_by("position"))
    assert [(line.amount, line.vat_amount) for line in lines] == [
        (Decimal("119.90"), Decimal("23.98")),
        (Decimal("14.97"), Decimal("0.82")),  # 14.97 x 5.5 % = 0.823 -> 0.82
        (Decimal("35.00"), Decimal("7.00")),
    ]
    assert all(line.intervention == intervention for line in lines)
    assert invoice.total_net == Decimal("169.87")
    assert invoice.total_vat == Decimal("31.80")
    assert invoice.total_gross == Decimal("201.67")


def test_issuing_numbers_without_gaps_and_nothing_is_billed_twice(
    admin, org_a, org_b, ticket_a, ticket_b, make_contract, log, make_intervention
):
    make_contract(org_a, kind="time")
    make_contract(org_b, kind="time")
    log(ticket_a, 60)
    log(ticket_b, 30)
    intervention = make_intervention(ticket_a)
    drafts = run(admin).invoices
    assert len(drafts) == 2
    issued = [services.issue_invoice(actor=admin, invoice=d, version=d.version) for d in drafts]
    assert [i.number for i in issued] == ["F2026-00001", "F2026-00002"]
    assert not TimeEntry.objects.filter(billed_at__isnull=True).exists()
    intervention.refresh_from_db()
    assert intervention.billed_at is not None
    assert run(admin).invoices == []  # the second run bills nothing
    log(ticket_a, 15)
    third = run(admin).invoices[0]
    assert third.total_net == Decimal("20.00")
    assert services.issue_invoice(actor=admin, invoice=third, version=third.version).number == (
        "F2026-00003"
    )


def test_a_draft_overtaken_by_another_invoice_is_refused_and_takes_no_number(
    admin, org_a, ticket_a, make_contract, log
):
    make_contract(org_a, kind="time")
    log(ticket_a, 60)
    stale = run(admin).invoices[0]
    # A second run replaces the draft; the old copy (another tab) can no longer be issued.
    fresh = run(admin).invoices[0]
    with pytest.raises(Invoice.DoesNotExist):
        services.issue_invoice(actor=admin, invoice=stale, version=stale.version)
    assert services.issue_invoice(actor=admin, invoice=fresh, version=1).number == "F2026-00001"
    # An entry billed under a draft's feet: refused, and the counter did not move.
    log(ticket_a, 30)
    draft = run(admin).invoices[0]
    TimeEntry.objects.filter(billed_at__isnull=True).update(billed_at=timezone.now())
    with pytest.raises(AlreadyBilled):
        services.issue_invoice(actor=admin, invoice=draft, version=draft.version)
    assert services.next_number("invoice", 2026)[0] == 2


def test_an_issued_invoice_never_changes(admin, org_a, ticket_a, make_contract, log):
    make_contract(org_a, kind="time")
    log(ticket_a, 60)
    invoice = run(admin).invoices[0]
    invoice = services.issue_invoice(actor=admin, invoice=invoice, version=1)
    row = {"description": "x", "quantity": 1, "unit_price": 1, "vat_rate": 20}
    with pytest.raises(Immutable):
        services.save_lines(actor=admin, invoice=invoice, version=invoice.version, rows=[row])
    with pytest.raises(Immutable):
        services.issue_invoice(actor=admin, invoice=invoice, version=invoice.version)
    with pytest.raises(Immutable):
        services.discard_draft(actor=admin, invoice=invoice, version=invoice.version)


def test_editing_a_draft_recomputes_lines_to_the_cent_and_refuses_stale_edits(
    admin, org_a, ticket_a, make_contract, log
):
    make_contract(org_a, kind="time")
    log(ticket_a, 60)
    invoice = run(admin).invoices[0]
    line = invoice.lines.get()
    invoice = services.save_lines(
        actor=admin,
        invoice=invoice,
        version=1,
        rows=[
            {"id": line.pk, "description": "Support", "quantity": Decimal("1.5"),
             "unit_price": Decimal("33.33"), "vat_rate": Decimal("20")},
            {"description": "Frais de dossier", "quantity": Decimal("1"),
             "unit_price": Decimal("9.99"), "vat_rate": Decimal("20")},
        ],
        notes="Merci",
    )  # fmt: skip
    amounts = list(invoice.lines.values_list("amount", "vat_amount"))
    assert amounts == [(Decimal("50.00"), Decimal("10.00")), (Decimal("9.99"), Decimal("2.00"))]
    assert invoice.total_gross == Decimal("71.99")
    with pytest.raises(StaleVersion):
        services.save_lines(actor=admin, invoice=invoice, version=1, rows=[])


def test_a_credit_note_reverses_the_invoice_and_releases_what_it_billed(
    admin, org_a, ticket_a, make_contract, log, make_intervention
):
    make_contract(org_a, kind="time")
    log(ticket_a, 60)
    make_intervention(ticket_a)
    invoice = run(admin).invoices[0]
    invoice = services.issue_invoice(actor=admin, invoice=invoice, version=1)
    credit = services.credit_invoice(actor=admin, invoice=invoice, reason="Erreur de taux")
    assert credit.number == "AV2026-00001"
    assert credit.kind == "credit" and credit.credited == invoice
    assert credit.total_gross == -invoice.total_gross
    assert credit.lines.count() == invoice.lines.count()
    with pytest.raises(PermissionDenied):  # credited once
        services.credit_invoice(actor=admin, invoice=invoice)
    rebilled = run(admin).invoices[0]
    assert rebilled.total_gross == invoice.total_gross
    issued = services.issue_invoice(actor=admin, invoice=rebilled, version=1)
    assert issued.number == "F2026-00002"


def test_a_credited_estimate_is_billed_again(admin, org_a, accepted_estimate, make_contract):
    make_contract(org_a, kind="time")
    invoice = run(admin).invoices[0]
    invoice = services.issue_invoice(actor=admin, invoice=invoice, version=1)
    assert run(admin).invoices == []
    services.credit_invoice(actor=admin, invoice=invoice)
    assert run(admin).invoices[0].lines.get().estimate == accepted_estimate


def test_two_runs_leave_one_draft_per_organization(admin, org_a, ticket_a, make_contract, log):
    make_contract(org_a, kind="time")
    log(ticket_a, 60)
    run(admin)
    run(admin)
    assert Invoice.objects.filter(organization=org_a).count() == 1
    assert InvoiceLine.objects.count() == 1


def test_only_admins_run_billing_and_issue(agent, sales, client_admin_a, org_a, ticket_a, log):
    for person in (agent, sales, client_admin_a):
        with pytest.raises(PermissionDenied):
            services.run_billing(actor=person, start=START, end=END)


def test_a_period_ending_before_it_starts_is_refused(admin):
    with pytest.raises(InvoicingError):
        services.run_billing(actor=admin, start=END, end=START)


def test_an_intervention_is_signed_once_with_a_real_png(agent, ticket_a, make_intervention):
    intervention = make_intervention(ticket_a, sign=False)
    for bad in (b"GIF89a...", PNG[:20], b"\x89PNG\r\n\x1a\n" + b"\x00" * 50):
        with pytest.raises(InvoicingError):
            services.sign_intervention(
                actor=agent, intervention=intervention, signer_name="X", png=bad
            )
    with pytest.raises(InvoicingError):
        services.sign_intervention(actor=agent, intervention=intervention, signer_name=" ", png=PNG)
    signed = services.sign_intervention(
        actor=agent, intervention=intervention, signer_name="Chloé\x00 Alpha\r\n", png=PNG
    )
    assert signed.signer_name == "Chloé Alpha"
    assert signed.signature.read().startswith(b"\x89PNG")
    with pytest.raises(Immutable):
        services.sign_intervention(actor=agent, intervention=signed, signer_name="Y", png=PNG)
    with pytest.raises(Immutable):
        services.update_intervention(
            actor=agent, intervention=signed, version=signed.version, data={}, technicians=[]
        )


def test_the_validation_link_names_its_intervention_and_refuses_forgeries(
    ticket_a, make_intervention
):
    intervention = make_intervention(ticket_a, sign=False)
    token = services.intervention_token(intervention)
    assert services.intervention_from_token(token) == intervention
    with pytest.raises(InvoicingError):
        services.intervention_from_token(token[:-2] + "xx")
    validated = services.sign_intervention(
        actor=None, intervention=intervention, signer_name="Bea Boss", png=None, via_link=True
    )
    assert validated.validated_via_link and validated.is_signed


def test_equipment_must_be_the_clients_and_clients_cannot_create(
    agent, client_a, ticket_a, org_b, make_intervention
):
    from tickets.models import Asset

    foreign = Asset.objects.create(organization=org_b, name="Serveur Beta")
    with pytest.raises(InvoicingError):
        make_intervention(ticket_a, sign=False, equipment=[foreign])
    with pytest.raises(PermissionDenied):
        services.create_intervention(actor=client_a, ticket=ticket_a, data={}, technicians=[])
