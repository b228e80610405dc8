"""GDPR: the pieces every app's own part uses, and how the parts are found.

Each app that holds personal data has a `gdpr.py` module with:

    ORDER = 50                                   # parts run in this order (accounts last)
    def export_person(person: Person, archive: Archive) -> None
    def anonymise_person(person: Person, options: Options) -> dict[str, int]   # counts

found through Django's app registry (parts()), so that no app imports another to take part and
accounts stays the ground floor. A Person is a user account or only an email address (a sender
nobody knows); its terms (name, email, phone) are what must vanish from texts.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import importlib.util
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from types import ModuleType
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q

ANONYMOUS_DOMAIN = "anonymised.invalid"
MIN_TERM_LENGTH = 4  # a whole term (an email, a full name) shorter than this is not looked for
MIN_NAME_LENGTH = 3  # a first or last name alone: "Li" would scrub unrelated words
# Mailbox names that name a role, not a person: their local part is not looked for alone.
GENERIC_LOCAL_PARTS = frozenset(
    {
        *("accueil", "admin", "administration", "bonjour", "client", "clients", "compta"),
        *("comptabilite", "contact", "direction", "facturation", "hello", "helpdesk", "info"),
        *("infos", "mail", "noreply", "no-reply", "office", "sales", "sav", "secretariat"),
        *("service", "support"),
    }
)
# Each letter as it may be written, accented or not, in either case. Texts stored as JSON by
# SQLite keep accented letters as "\u00e9": those forms are matched too (see _letter).
_ACCENTED = {
    "a": "aàáâãäå",
    "c": "cç",
    "e": "eéèêë",
    "i": "iìíîï",
    "n": "nñ",
    "o": "oòóôõöø",
    "u": "uùúûü",
    "y": "yýÿ",
}
# Not a letter or digit on either side of a match (Python's re and PostgreSQL's regular
# expressions both read these; \b means something else to PostgreSQL).
_WORD = "0-9A-Za-zÀ-ÖØ-öø-ÿ"
# Nor inside an email address or a domain: "Alpha" is not looked for in "bob@alpha.test".
_BEFORE, _AFTER = f"(?<![{_WORD}@.])", f"(?![{_WORD}@]|\\.[{_WORD}])"
_SEPARATOR = "(?:\\s|[-.])?"  # between the digits of a phone number: 06 01.02-03 04


def _base(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0].lower()


def _letter(char: str) -> str:
    """A regular expression matching char whatever its accent and case."""
    forms = _ACCENTED.get(_base(char))
    if forms is None:
        if char.isspace() or char in "-'\u2019":  # Jean-Pierre, Jean Pierre, d'Arc
            return "(?:\\s|[-'\u2019])+"
        return re.escape(char)
    every = forms + forms.upper()
    escaped = "|".join(re.escape(json.dumps(c)[1:-1]) for c in every if not c.isascii())
    return f"(?:[{every}]|{escaped})" if escaped else f"[{every}]"


def _phone_pattern(phone: str) -> str:
    """The number as people write it: 0601020304, 06 01 02 03 04, 06.01.02.03.04, +33 6 01 02
    03 04, +33 (0)6..., 0033 6...; a number from elsewhere: its digits with separators."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 6:
        return ""
    national = None
    if phone.strip().startswith("+33") or digits.startswith("0033"):
        national = digits[4:] if digits.startswith("0033") else digits[2:]
        national = national.removeprefix("0")
    elif digits.startswith("0") and len(digits) == 10:
        national = digits[1:]
    if national:
        prefix = "(?:(?:\\+|00)\\s?33\\s?(?:\\(0\\)\\s?)?|0)"
        return f"(?<![0-9]){prefix}{_SEPARATOR.join(national)}(?![0-9])"
    return f"(?<![0-9]){_SEPARATOR.join(digits)}(?![0-9])"


@dataclass
class Person:
    """Whose data: user (may be None for an address only), the email, the words naming them."""

    user: Any = None
    email: str = ""
    names: list[str] = field(default_factory=list)
    phone: str = ""
    key: str = ""  # stable id of the anonymous replacement ("42", or a hash for an address)
    # First and last names looked for on their own (3 letters or more).
    name_parts: list[str] = field(default_factory=list)

    @classmethod
    def of_user(cls, user) -> Person:
        first, last = user.first_name.strip(), user.last_name.strip()
        names = [f"{first} {last}", f"{last} {first}"] if first and last else []
        parts = [part for part in (first, last) if len(part) >= MIN_NAME_LENGTH]
        return cls(
            user=user,
            email=user.email,
            names=names,
            phone=user.phone,
            key=str(user.pk),
            name_parts=parts,
        )

    @property
    def alias(self) -> str:
        return f"Anonyme {self.key}"

    @property
    def alias_email(self) -> str:
        return f"anonyme-{self.key}@{ANONYMOUS_DOMAIN}"

    @property
    def terms(self) -> list[str]:
        """The words naming the person (longest first): email, full names, phone, first and
        last names, the email's local part unless it names a role (contact@, support@...)."""
        found = [self.email, *self.names, self.phone]
        terms = {t.strip() for t in found if t and len(t.strip()) >= MIN_TERM_LENGTH}
        terms |= {t.strip() for t in self.name_parts if len(t.strip()) >= MIN_NAME_LENGTH}
        local = self.email.partition("@")[0].strip()
        generic = local.lower() in GENERIC_LOCAL_PARTS
        if "@" in self.email and len(local) >= MIN_NAME_LENGTH and not generic:
            terms.add(local)
        return sorted(terms, key=len, reverse=True)

    @functools.cached_property
    def pattern(self) -> str:
        """One regular expression finding every term whatever its case and accents, as a whole
        word, and the phone number however it is written; "" when there is nothing to find.
        Python's re and PostgreSQL read it alike (the database filters with it: mentions())."""
        phone = _phone_pattern(self.phone)
        words = [
            _BEFORE + "".join(_letter(c) for c in unicodedata.normalize("NFC", t)) + _AFTER
            for t in self.terms
            if t != self.phone.strip()
        ]
        alternatives = ([phone] if phone else []) + words
        return "(?:" + "|".join(alternatives) + ")" if alternatives else ""

    def mentions(self, *fields: str) -> Q:
        """Rows where one of fields names the person (for the database; scrub() then rewrites
        the text)."""
        if not self.pattern:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{name}__iregex": self.pattern}) for name in fields))

    def scrub(self, text: str) -> str:
        """text with the person's email, names and phone replaced by the alias."""
        if not text or not self.pattern:
            return text
        text = unicodedata.normalize("NFC", text)

        def alias(match) -> str:
            return self.alias_email if "@" in match.group(0) else self.alias

        return re.sub(self.pattern, alias, text, flags=re.IGNORECASE)

    def scrub_json(self, value):
        return json.loads(self.scrub(json.dumps(value, ensure_ascii=False)))

    def mentioned_in(self, text: str) -> bool:
        if not text or not self.pattern:
            return False
        text = unicodedata.normalize("NFC", text)
        return re.search(self.pattern, text, flags=re.IGNORECASE) is not None


@dataclass(frozen=True)
class Options:
    """How to anonymise: words "keep" (scrubbed of the person's name) or "blank"; whether the
    files they sent are removed."""

    words: str = "keep"
    remove_attachments: bool = False


class Archive:
    """The export's ZIP: JSON documents and files, under one folder per app."""

    def __init__(self, fileobj):
        self.zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED)
        self.names: set[str] = set()

    def _unique(self, name: str) -> str:
        base, n = name, 1
        while name in self.names:
            stem, dot, ext = base.rpartition(".")
            name = f"{stem}-{n}.{ext}" if dot else f"{base}-{n}"
            n += 1
        self.names.add(name)
        return name

    def add_json(self, name: str, data) -> None:
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        self.zip.writestr(self._unique(name), text)

    def add_file(self, name: str, field_file) -> bool:
        """Copy a stored file into the archive; False when it is gone from storage."""
        try:
            with field_file.open("rb") as source, self.zip.open(self._unique(name), "w") as out:
                for chunk in iter(lambda: source.read(1 << 16), b""):
                    out.write(chunk)
        except (FileNotFoundError, OSError, ValueError):
            return False
        return True

    def close(self) -> None:
        self.zip.close()


def stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def parts() -> list[tuple[str, ModuleType]]:
    """(app label, its gdpr module) of every installed app that has one, in ORDER."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.gdpr"
        if importlib.util.find_spec(config.name) is None:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is None:
            continue
        module = importlib.import_module(name)
        if hasattr(module, "export_person") and hasattr(module, "anonymise_person"):
            found.append((config.label, module))
    return sorted(found, key=lambda item: (getattr(item[1], "ORDER", 50), item[0]))
