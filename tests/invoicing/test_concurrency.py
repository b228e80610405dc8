"""Invoice numbers and drafts under concurrent billing runs and issues (PostgreSQL row locks)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from accounts.models import Role
from invoicing import services
from invoicing.errors import InvoicingError
from invoicing.models import Invoice, InvoiceEntry
from tests.factories import OrganizationFactory, make_user

from .conftest import END, START

pytestmark = pytest.mark.django_db(transaction=True)


def _concurrently(*jobs):
    barrier = threading.Barrier(len(jobs))
    errors = []

    def work(job):
        try:
            barrier.wait()
            job()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.fixture
def six_clients(admin, make_ticket, make_contract, log):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    for i in range(6):
        org = OrganizationFactory(name=f"Client {i}")
        make_contract(org, kind="time", default_rate=Decimal("90"))
        person = make_user(Role.Code.CLIENT_USER, organization=org, email=f"c{i}@client.test")
        for _ in range(3):
            log(make_ticket(person), 45)


def test_two_runs_at_once_leave_one_draft_per_client_and_no_entry_twice(admin, six_clients):
    def job():
        services.run_billing(actor=admin, start=START, end=END)

    assert _concurrently(job, job) == []
    assert Invoice.objects.filter(state="draft").count() == 6
    assert InvoiceEntry.objects.count() == 18


def test_issues_at_once_take_every_number_once_without_gaps(admin, six_clients):
    drafts = list(services.run_billing(actor=admin, start=START, end=END).invoices)

    def issuer(batch):
        def job():
            for draft in batch:
                services.issue_invoice(actor=admin, invoice=draft, version=draft.version)

        return job

    assert _concurrently(issuer(drafts[0::2]), issuer(drafts[1::2])) == []
    numbers = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert numbers == [1, 2, 3, 4, 5, 6]
    assert len(set(Invoice.objects.values_list("number", flat=True))) == 6


def test_the_same_draft_issued_twice_at_once_is_issued_once(admin, six_clients):
    draft = services.run_billing(actor=admin, start=START, end=END).invoices[0]

    def job():
        services.issue_invoice(actor=admin, invoice=draft, version=draft.version)

    errors = _concurrently(job, job)
    assert len(errors) == 1 and isinstance(errors[0], InvoicingError)
    assert list(Invoice.objects.exclude(sequence=None).values_list("sequence", flat=True)) == [1]
    # The counter gave nothing away: the next invoice is number 2.
    other = services.run_billing(actor=admin, start=START, end=END).invoices[0]
    assert services.issue_invoice(actor=admin, invoice=other, version=1).sequence == 2
