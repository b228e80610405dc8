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
import importlib
import importlib.util
import json
import re
import zipfile
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder

ANONYMOUS_DOMAIN = "anonymised.invalid"
MIN_TERM_LENGTH = 4  # shorter names ("Li") would scrub unrelated words


@dataclass
class Person:
    """Whose data: user (may be None for an address only), the email, the words naming them."""

    user: Any = None
    email: str = ""
    names: list[str] = field(default_factory=list)
    phone: str = ""
    key: str = ""  # stable id of the anonymous replacement ("42", or a hash for an address)

    @classmethod
    def of_user(cls, user) -> Person:
        # The full name only: a first name alone ("Jean") would scrub every other Jean.
        first, last = user.first_name.strip(), user.last_name.strip()
        names = [f"{first} {last}", f"{last} {first}"] if first and last else []
        return cls(user=user, email=user.email, names=names, phone=user.phone, key=str(user.pk))

    @property
    def alias(self) -> str:
        return f"Anonyme {self.key}"

    @property
    def alias_email(self) -> str:
        return f"anonyme-{self.key}@{ANONYMOUS_DOMAIN}"

    @property
    def terms(self) -> list[str]:
        found = [self.email, *self.names, self.phone]
        terms = {t.strip() for t in found if t and len(t.strip()) >= MIN_TERM_LENGTH}
        return sorted(terms, key=len, reverse=True)

    @property
    def json_terms(self) -> list[str]:
        """The terms as they may be stored inside JSON text (SQLite keeps "é" as "\\u00e9")."""
        escaped = {json.dumps(term)[1:-1] for term in self.terms}
        return sorted(set(self.terms) | escaped, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """text with the person's email, names and phone replaced by the alias."""
        if not text:
            return text
        for term in self.terms:
            replacement = self.alias_email if term == self.email else self.alias
            text = re.sub(re.escape(term), replacement, text, flags=re.IGNORECASE)
        return text

    def scrub_json(self, value):
        return json.loads(self.scrub(json.dumps(value, ensure_ascii=False)))

    def mentioned_in(self, text: str) -> bool:
        low = (text or "").lower()
        return any(term.lower() in low for term in self.terms)


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
