"""French by default, English a switch away, and a complete, compiled French catalog."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

CATALOG = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def catalog_entries():
    """(msgctxt, msgid, msgstr, is_plural, is_fuzzy) for each entry of the French catalog."""
    text = CATALOG.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        fields: dict[str, str] = {}
        current = None
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            yield (
                fields.get("msgctxt"),
                fields["msgid"],
                msgstr,
                "msgid_plural" in fields,
                fuzzy,
            )


def test_french_catalog_is_complete():
    entries = list(catalog_entries())
    assert len(entries) > 50
    missing = [msgid for _, msgid, msgstr, _, fuzzy in entries if not msgstr or fuzzy]
    assert missing == []


def test_french_colons_and_units_do_not_break_from_their_word():
    """French typography: a non-breaking space before a colon ("Statut\u00a0:") and between
    a size and its unit ("30,0\u00a0Mo"), so that neither starts a line on its own."""
    loose = [
        msgstr
        for _context, _msgid, msgstr, _plural, _fuzzy in catalog_entries()
        if re.search(r"\S :(\s|$)", msgstr) or re.search(r"(\d|%\(\w+\)s) Mo\b", msgstr)
    ]
    assert loose == []


def test_compiled_french_catalog_matches_the_sources():
    with translation.override("fr"):
        stale = [
            msgid
            for context, msgid, msgstr, plural, _ in catalog_entries()
            if not plural and not context and translation.gettext(msgid) != msgstr
        ]
    assert stale == [], "run `make messages` to recompile locale/"


@pytest.mark.django_db
def test_pages_are_french_by_default_and_english_after_the_switch(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert '<html lang="fr"' in page.content.decode()

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert switched.status_code == 302
    page = client.get("/accounts/login/")
    assert '<html lang="en"' in page.content.decode()
