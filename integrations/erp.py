"""Customer-base sync from the ERP (seed 004): an admin uploads a CSV or XLSX export of the
clients, maps its columns to ours (remembered per source), sees a dry run, then applies it.

- django-import-export reads the file (tablib, openpyxl), looks rows up and saves them: an
  organization is found by (external_source, external_id), never duplicated, never deleted.
- A row whose reference is missing or repeated in the file, or whose values do not validate
  (a bad email address...), is reported with its reason and skipped; the others are applied.
- The dry run and the application run the same code: the dry run's counts are the applied
  run's; a second run of the same file changes nothing (unchanged rows are skipped).
"""

from __future__ import annotations

import csv
import io

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import instance_loaders, resources
from import_export.results import RowResult

from accounts.models import Organization

from .models import ImportMapping

# Our fields an export may fill, in the order of the mapping form.
FIELDS = {
    "external_id": gettext_lazy("Reference in the ERP"),
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "address": gettext_lazy("Address"),
    "postal_code": gettext_lazy("Postal code"),
    "city": gettext_lazy("City"),
    "country": gettext_lazy("Country"),
    "website": gettext_lazy("Website"),
}
REQUIRED = ("external_id", "name")
MAX_BYTES = 20 * 1024 * 1024
SHOWN_ROWS = 500


class FileUnreadable(Exception):
    """The file is not a CSV or XLSX table we can read."""


def read_table(data: bytes, filename: str) -> tablib.Dataset:
    """The first sheet of an XLSX file, or a CSV file (UTF-8 or Windows-1252, ; or ,)."""
    name = (filename or "").lower()
    try:
        if name.endswith(".xlsx"):
            return tablib.Dataset().load(io.BytesIO(data), format="xlsx")
        if name.endswith(".csv"):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="replace")
            text = text.replace("\x00", "")
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
            return tablib.Dataset().load(text, format="csv", delimiter=dialect.delimiter)
    except Exception as exc:  # tablib, openpyxl and csv raise many kinds
        raise FileUnreadable(_("This file could not be read as a table.")) from exc
    raise FileUnreadable(_("Give a .csv or .xlsx file."))


def columns(table: tablib.Dataset) -> list[str]:
    return [str(title).strip() for title in (table.headers or []) if title not in (None, "")]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a reference typed as a number in a spreadsheet
    return str(value).replace("\x00", "").strip()


def mapped(table: tablib.Dataset, mapping: dict[str, str], source: str) -> tablib.Dataset:
    """The rows in our fields (and the source), from their columns."""
    headers = [str(title).strip() if title is not None else "" for title in table.headers]
    index = {title: i for i, title in enumerate(headers) if title}
    ours = [name for name in FIELDS if mapping.get(name) in index]
    out = tablib.Dataset(headers=["external_source", *ours])
    for row in table:
        out.append([source, *(_text(row[index[mapping[name]]])[:255] for name in ours)])
    return out


class BatchLoader(instance_loaders.ModelInstanceLoader):
    """The organizations a batch names, found in one query by (source, reference) instead of
    one query a row."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = self.dataset.dict if self.dataset is not None else []
        sources = {row.get("external_source", "") for row in rows}
        references = {row.get("external_id", "") for row in rows} - {""}
        known = Organization.objects.filter(external_source__in=sources, external_id__in=references)
        self.known = {(row.external_source, row.external_id): row for row in known}

    def get_instance(self, row):
        return self.known.get((row.get("external_source", ""), row.get("external_id", "")))


class OrganizationResource(resources.ModelResource):
    class Meta:
        model = Organization
        fields = ("external_source", *FIELDS)
        import_id_fields = ("external_source", "external_id")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        store_instance = True
        skip_html_diff = True
        instance_loader_class = BatchLoader

    def __init__(self, seen: set[str] | None = None):
        super().__init__()
        # The references met earlier in the file (a resumed run passes those of the rows
        # it already read): a repeated reference is refused.
        self.seen: set[str] = seen if seen is not None else set()

    def before_import_row(self, row, **kwargs):
        reference = (row.get("external_id") or "").strip()
        if not reference:
            raise ValidationError({"external_id": _("The reference is empty.")})
        if not (row.get("name") or "").strip():
            raise ValidationError({"name": _("The name is empty.")})
        if reference in self.seen:
            raise ValidationError({"external_id": _("This reference is already in the file.")})
        self.seen.add(reference)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The fields' own checks only: a reference's uniqueness is the loader's (one query a
        batch, repeats refused by before_import_row) and the database constraint's, not a
        query a row."""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(
                exclude=errors.keys(), validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def references_before(data: tablib.Dataset, stop: int) -> set[str]:
    """The references the first `stop` rows of data claim (as before_import_row counts them):
    what a run resumed at row `stop` must already know."""
    seen: set[str] = set()
    headers = list(data.headers)
    for row in data[:stop]:
        values = dict(zip(headers, row, strict=False))
        reference = (values.get("external_id") or "").strip()
        if reference and (values.get("name") or "").strip():
            seen.add(reference)
    return seen


KINDS = ("new", "update", "skip", "invalid", "error")


def _changes(row_result) -> list[list[str]]:
    """[field, old, new] for each of our fields the row changes."""
    before, after = getattr(row_result, "original", None), row_result.instance
    if before is None or after is None:
        return []
    changed = []
    for name in FIELDS:
        old, new = _text(getattr(before, name, "")), _text(getattr(after, name, ""))
        if old != new:
            changed.append([name, old, new])
    return changed


def _errors(row_result) -> list[str]:
    messages = []
    if row_result.validation_error is not None:
        for name, errors in row_result.validation_error.message_dict.items():
            label = FIELDS.get(name, "")
            messages += [
                _("%(label)s: %(error)s") % {"label": label, "error": error}
                if label
                else str(error)
                for error in errors
            ]
    messages += [_("This row could not be saved.") for _error in row_result.errors]
    return messages


def _import(resource, data, *, apply: bool):
    with transaction.atomic():
        return resource.import_data(
            data, dry_run=not apply, raise_errors=False, use_transactions=True
        )


def import_batch(
    data: tablib.Dataset, start: int, stop: int, *, seen: set[str], apply: bool
) -> tuple[dict[str, int], list[dict]]:
    """Rows start..stop of data (mapped), dry run or applied in one transaction: their counts
    and the lines that change or fail. A row that raises (not a validation error) makes
    django-import-export roll the whole batch back: the batch is then applied again without
    it, so one broken row never holds the others back (it stays counted in error)."""
    batch = tablib.Dataset(*data[start:stop], headers=data.headers)
    before = set(seen)
    resource = OrganizationResource(seen)
    result = _import(resource, batch, apply=apply)
    outcomes = list(result.rows)
    if apply and result.has_errors():
        broken = {i for i, row in enumerate(outcomes) if row.import_type == "error"}
        kept = [i for i in range(len(batch)) if i not in broken]
        seen.clear()
        seen.update(before)
        retry = _import(
            OrganizationResource(seen),
            tablib.Dataset(*(batch[i] for i in kept), headers=data.headers),
            apply=True,
        )
        for i, row in zip(kept, retry.rows, strict=True):
            outcomes[i] = row
    counts = dict.fromkeys(KINDS, 0)
    lines = []
    for offset, row_result in enumerate(outcomes):
        kind = row_result.import_type
        counts[kind] = counts.get(kind, 0) + 1
        if kind == RowResult.IMPORT_TYPE_SKIP:
            continue
        values = dict(zip(data.headers, batch[offset], strict=False))
        lines.append(
            {
                "number": start + offset + 2,  # the header is line 1
                "kind": kind,
                "name": values.get("name", ""),
                "reference": values.get("external_id", ""),
                "changes": _changes(row_result),
                "errors": _errors(row_result),
            }
        )
    return counts, lines


def labelled(lines: list[dict]) -> list[dict]:
    """lines as the page shows them: each change with our field's label."""
    return [
        {
            **line,
            "changes": [
                (str(FIELDS.get(name, name)), old, new) for name, old, new in line["changes"]
            ],
        }
        for line in lines
    ]


def labelled_mapping(source: str) -> list[tuple[str, str]]:
    """(our field's label, their column) of the mapping remembered for source."""
    mapping = remembered_mapping(source)
    return [(str(label), mapping[name]) for name, label in FIELDS.items() if mapping.get(name)]


def remembered_mapping(source: str) -> dict[str, str]:
    row = ImportMapping.objects.filter(source=source).first()
    return dict(row.columns) if row else {}


def remember_mapping(source: str, mapping: dict[str, str]) -> None:
    ImportMapping.objects.update_or_create(source=source, defaults={"columns": mapping})
