"""A generated export of an old helpdesk in our format (docs/legacy-import.md): organizations,
people, tickets with replies, internal notes and attachments (a PNG, a PDF, a text file),
accents, and a few hostile rows when asked. Fast: 1,000 tickets in well under a second."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import zipfile
from pathlib import Path

from PIL import Image

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


def write_export(
    root: Path,
    *,
    tickets: int = 20,
    seed: int = 25,
    source: str = "ancien-helpdesk",
    hostile: bool = False,
) -> dict:
    """Write the export into root; returns what it holds (counts and a few ids)."""
    rnd = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "files").mkdir(exist_ok=True)
    png = png_bytes()
    (root / "files" / "capture.png").write_bytes(png)
    (root / "files" / "facture.pdf").write_bytes(PDF)
    start = dt.datetime(2019, 3, 4, 9, 15, tzinfo=dt.UTC)
    orgs = [
        {"id": f"C{n:03d}", "name": f"Société Ardèche n°{n}", "email": f"contact@c{n}.example"}
        for n in range(1, 6)
    ]
    people = [
        {
            "email": f"client{n}@c{n % 5 + 1}.example",
            "first_name": "Hélène",
            "last_name": f"Dupré{n}",
            "organization": f"C{n % 5 + 1:03d}",
        }
        for n in range(10)
    ]
    people.append(
        {"email": "ancien.agent@support.example", "first_name": "Gérard", "last_name": "Ancien"}
    )
    ticket_rows, entry_rows = [], []
    statuses = ["new", "open", "en-cours", "waiting_client", "resolved", "closed", "cancelled"]
    entry_id = 1
    for n in range(1, tickets + 1):
        created = start + dt.timedelta(hours=7 * n, minutes=n % 60)
        requester = people[n % 10]["email"]
        per_ticket_dir = root / "files" / f"t{n}"
        per_ticket_dir.mkdir(exist_ok=True)
        (per_ticket_dir / "journal.txt").write_text(
            f"Journal du poste n°{n}\nErreur 0x{n:04x}\n", encoding="utf-8"
        )
        ticket_rows.append(
            {
                "id": str(n),
                "title": f"Imprimante du bureau {n} hors service — « urgent »",
                "description": f"Bonjour,\nl'imprimante n°{n} affiche une erreur.\nMerci, Hélène",
                "status": statuses[n % len(statuses)],
                "priority": ["basse", "normale", "haute", ""][n % 4],
                "requester": requester,
                "assignee": "ancien.agent@support.example" if n % 3 else "",
                "created_at": created.isoformat(),
                "updated_at": (created + dt.timedelta(days=2)).isoformat(),
                "attachments": [{"path": f"files/t{n}/journal.txt", "name": "journal.txt"}],
            }
        )
        for k in range(rnd.randint(1, 4)):
            at = created + dt.timedelta(hours=k + 1)
            is_note = k == 1
            entry = {
                "id": f"e{entry_id}",
                "ticket": str(n),
                "kind": "note" if is_note else "reply",
                "author": "ancien.agent@support.example" if k % 2 == 0 else requester,
                "created_at": at.isoformat(),
                "body": f"Réponse {k} au ticket {n} : redémarrez l'imprimante."
                if not is_note
                else f"Note interne {n} : pièce commandée.",
                "attachments": [],
            }
            if k == 0 and n % 2 == 0:
                entry["attachments"].append(
                    {"path": "files/capture.png", "name": "capture écran.png"}
                )
            if k == 0 and n % 5 == 0:
                entry["attachments"].append({"path": "files/facture.pdf", "name": "facture.pdf"})
            entry_rows.append(entry)
            entry_id += 1
    bad_lines = []
    if hostile:
        # Rows the import must report and skip, never abort on.
        ticket_rows.append(
            {"id": "bad-status", "title": "x", "status": "perdu", "created_at": start.isoformat()}
        )
        ticket_rows.append({"id": "no-date", "title": "y", "status": "new"})
        entry_rows.append(
            {
                "id": "orphan",
                "ticket": "999999",
                "kind": "reply",
                "created_at": start.isoformat(),
                "body": "?",
            }
        )
        entry_rows.append(
            {
                "id": "traversal",
                "ticket": "1",
                "kind": "reply",
                "author": "intrus@evil.example",
                "author_name": "<script>alert(1)</script>",
                "created_at": (start + dt.timedelta(hours=10)).isoformat(),
                "body": "<script>alert('x')</script> pièces jointes piégées",
                "attachments": [
                    {"path": "../../etc/passwd", "name": "passwd"},
                    {"path": "/etc/hostname", "name": "hostname"},
                    {"path": "files/capture.png", "name": "../../../evil<script>.png"},
                    {"path": "files\\..\\secret.txt", "name": "secret.txt"},
                    {"path": "files/t1/journal.txt", "name": "notes.png"},
                ],
            }
        )
        bad_lines = ["{not json", "[1, 2]"]
    manifest = {"format": "helpdesk-export", "version": 1, "source": source}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name, rows, extra in (
        ("organizations", orgs, []),
        ("people", people, []),
        ("tickets", ticket_rows, bad_lines),
        ("entries", entry_rows, []),
    ):
        lines = [json.dumps(row, ensure_ascii=False) for row in rows] + extra
        (root / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "tickets": tickets,
        "entries": entry_id - 1,
        "organizations": len(orgs),
        "people": len(people),
    }


def zip_export(root: Path, target: Path, *, folder: str = "export") -> Path:
    """The export zipped inside one top folder, as people zip a folder."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder}/{path.relative_to(root).as_posix()}")
    return target
