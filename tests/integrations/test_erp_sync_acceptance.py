"""Acceptance of the customer-base sync (issue 25) on a real-looking export: 10,000 rows of an
XLSX file with accents, merged cells, dates as text, repeated references and bad emails.

The dry run's counts are the applied run's; a run killed half-way and restarted duplicates
nothing and ends with the dry run's counts; a second run of the same file changes nothing."""

import io

import pytest
from openpyxl import Workbook

from accounts.models import Organization
from integrations import erp, sync
from integrations.models import SyncRun

pytestmark = pytest.mark.django_db

ROWS = 10_000
KILLED_AT = 6_123  # the row (0-based) whose reading "kills" the worker
HEADERS = ["N° client", "Raison sociale", "E-mail", "Code postal", "Ville", "Client depuis"]
MAPPING = {
    "external_id": "N° client",
    "name": "Raison sociale",
    "email": "E-mail",
    "postal_code": "Code postal",
    "city": "Ville",
}
CITIES = ["Besançon", "Nîmes", "Saint-Étienne", "Orléans", "Montréal", "Cœuvres"]


def reference(i: int) -> str:
    # Every 97th row repeats the reference of the row before it (an ERP export with a
    # contact line per client, say).
    return f"R{i - 1:05d}" if i % 97 == 0 and i else f"R{i:05d}"


def bad_email(i: int) -> bool:
    return i % 53 == 0


def export() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for i in range(ROWS):
        sheet.append(
            [
                reference(i),
                f"Société d'Électricité « {CITIES[i % 6]} » n°{i}",
                f"contact{i}@exemple" if bad_email(i) else f"contact{i}@exemple-{i % 7}.fr",
                f"{i % 100:05d}",  # postal codes as text, leading zeros kept
                CITIES[i % 6],
                f"{1 + i % 28:02d}/{1 + i % 12:02d}/20{i % 25:02d}",  # a date typed as text
            ]
        )
    for first in range(2, ROWS, 1000):  # merged cells, as exports have: the second is empty
        sheet.merge_cells(f"E{first}:E{first + 1}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def expected_counts(existing: set[str]) -> dict[str, int]:
    seen, counts = set(), {"new": 0, "update": 0, "invalid": 0}
    for i in range(ROWS):
        ref = reference(i)
        if ref in seen or bad_email(i):
            counts["invalid"] += 1
        else:
            counts["update" if ref in existing else "new"] += 1
        seen.add(ref)
    return counts


class Killed(BaseException):
    """What a killed worker looks like to the code it was running: it never returns."""


def nonzero(counts):
    return {kind: n for kind, n in counts.items() if n}


def snapshot():
    return sorted(
        Organization.objects.values_list("external_id", "name", "email", "city", "postal_code")
    )


def test_ten_thousand_rows_dry_run_killed_apply_resumed_and_second_run(
    admin, monkeypatch, django_capture_on_commit_callbacks
):
    # A hundred clients are already known, with another city: the file updates them.
    Organization.objects.bulk_create(
        Organization(
            name=f"Ancien {i}", city="Paris", external_source="erp", external_id=f"R{i:05d}"
        )
        for i in range(0, 200, 2)
    )
    existing = {f"R{i:05d}" for i in range(0, 200, 2)}
    data = export()

    # The dry run: counts as expected, nothing written.
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        dry = sync.start_run(
            actor=admin, data=data, file_name="clients.xlsx", source="erp",
            mapping=MAPPING, dry_run=True,
        )  # fmt: skip
    dry.refresh_from_db()
    assert dry.status == SyncRun.Status.DONE and dry.total_rows == ROWS
    assert nonzero(dry.counts) == expected_counts(existing)
    assert snapshot() == before
    reasons = {error for line in dry.lines for error in line["errors"]}
    assert any("déjà dans le fichier" in reason for reason in reasons)
    assert any("mail" in reason.lower() for reason in reasons)

    # The application is killed half-way (while reading row KILLED_AT).
    real = erp.OrganizationResource.before_import_row

    def killing(self, row, **kwargs):
        if row.get("external_id") == reference(KILLED_AT):
            raise Killed
        return real(self, row, **kwargs)

    monkeypatch.setattr(erp.OrganizationResource, "before_import_row", killing)
    with django_capture_on_commit_callbacks(execute=False):
        run = sync.apply_dry_run(actor=admin, dry_run=dry)
    with pytest.raises(Killed):
        sync.process_run(run.pk)
    run.refresh_from_db()
    committed = KILLED_AT - KILLED_AT % sync.BATCH_ROWS
    assert run.status == SyncRun.Status.RUNNING and run.processed_rows == committed
    written = Organization.objects.filter(external_source="erp")
    valid_before = {
        reference(i) for i in range(committed) if not bad_email(i) and not (i % 97 == 0 and i)
    }
    assert written.count() == len(existing | valid_before)

    # Restarted (the periodic job resumes a stalled run; here the worker is called again).
    monkeypatch.setattr(erp.OrganizationResource, "before_import_row", real)
    run = sync.process_run(run.pk)
    assert run.status == SyncRun.Status.DONE
    assert run.counts == dry.counts  # the dry run said what the application did
    assert written.count() == len(existing) + dry.counts["new"]
    references = list(written.values_list("external_id", flat=True))
    assert len(references) == len(set(references))  # nothing duplicated
    row = Organization.objects.get(external_id="R00005")
    assert row.city == "Cœuvres" and row.postal_code == "00005"
    assert row.name == "Société d'Électricité « Cœuvres » n°5"
    assert Organization.objects.get(external_id="R00001").city == ""  # under a merged cell
    assert Organization.objects.get(external_id="R00002").city == "Saint-Étienne"  # updated
    assert Organization.objects.get(external_id="R00000").city == "Paris"  # bad email: kept

    # A second run of the same file changes nothing.
    after = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        again = sync.start_run(
            actor=admin, data=data, file_name="clients.xlsx", source="erp",
            mapping=MAPPING, dry_run=False,
        )  # fmt: skip
    again.refresh_from_db()
    valid = dry.counts["new"] + dry.counts["update"]
    assert nonzero(again.counts) == {"skip": valid, "invalid": dry.counts["invalid"]}
    assert snapshot() == after
