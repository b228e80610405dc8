"""GDPR part of the knowledge base (core.privacy): the pages the person created or last edited
and the revisions they wrote (their words). Anonymising scrubs their name, email and phone from
every page and revision text (titles, Markdown and the HTML rendered from it; the search
columns PostgreSQL generates follow); pages and their history stay."""

from __future__ import annotations

from core.privacy import Archive, Options, Person, stamp

from .models import Page, Revision

ORDER = 35
CHUNK = 200


def export_person(person: Person, archive: Archive) -> None:
    if person.user is None:
        return
    user = person.user
    revisions = (
        Revision.objects.filter(author=user)
        .select_related("page")
        .only("page__title", "number", "title", "body", "note", "created_at")
        .order_by("created_at", "id")
    )
    archive.add_json(
        "wiki/your_revisions.json",
        [
            {
                "page": r.page.title,
                "revision": r.number,
                "title": r.title,
                "text": r.body,
                "note": r.note,
                "at": stamp(r.created_at),
            }
            for r in revisions.iterator(CHUNK)
        ],
    )


def anonymise_person(person: Person, options: Options) -> dict[str, int]:
    terms = person.terms
    if not terms:
        return {}
    count = 0
    fields = {
        Page: ["title", "body", "body_html"],
        Revision: ["title", "body", "body_html", "note"],
    }
    for model, names in fields.items():
        mentions = person.mentions(*names)
        for row in model.objects.filter(mentions).only("pk", *names).iterator(CHUNK):
            for name in names:
                setattr(row, name, person.scrub(getattr(row, name)))
            row.title = row.title[:200]
            if hasattr(row, "note"):
                row.note = row.note[:200]
            row.save(update_fields=names)
            count += 1
    if person.user is not None and options.words == "blank":
        Revision.objects.filter(author=person.user).update(note="")
    return {"wiki_texts_scrubbed": count}
