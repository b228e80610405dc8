"""Email intake against a public corpus: real-world test messages from CPython and mail libraries.

Usage (PostgreSQL, as production; the database is created when missing):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_corpus \\
    REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python benchmarks/corpus.py [--list] [--verbose]

Sources, no network but PyPI:
- CPython's own email test messages (test/test_email/data/msg_*.txt and *.eml of the running
  interpreter's standard library; Debian's python3 leaves the test package out, pyenv's has it);
- email test messages shipped in the sdists of mail libraries (PACKAGES below, pinned), fetched
  once with `pip download --no-deps --no-binary :all:` into var/corpus/sdists/ (git-ignored) and
  read from the archives without unpacking them. A file is taken when its first lines are RFC 822
  headers (a quick sniff: a header on the first line, at least two well-known header names
  before the blank line), so keys, DNS records, expected outputs and Outlook .msg files are left
  out; an mbox file gives each of its messages.

It migrates, empties the ticket, intake and outbox tables, then ingests the corpus three times
through intake.services.ingest_message(raw):
1. each message once, in order: counts per outcome and per source, crashes (an exception
   escaping ingest_message: there must be none), and "duplicate unless identical": messages
   called duplicate although no message with the same bytes (line endings aside) came before;
2. every message again: each must be a duplicate;
3. every message with its line endings switched (CRLF to LF, or LF to CRLF): a message reads
   the same whichever way it was stored, so each should be a duplicate of itself (reported, not
   asserted).
Last, whether every record of pass 1 other than a duplicate kept the raw message (InboundMessage
.raw_file in file storage or .raw in the row, whichever the model has).

--list prints the messages taken, with their source path, and stops. Exit status 1 when a
message crashed ingest_message or pass 2 found a message that was not a duplicate.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

from ingest import empty_tables, ensure_database  # noqa: E402  (benchmarks/ingest.py)

CACHE = ROOT / "var" / "corpus"

# Mail libraries whose sdist holds test messages (version pinned so the corpus stays the same).
# Checked and left out, their sdists hold no message file: flanker 0.9.11, imap-tools 1.16.0,
# emails 1.1.3, eml-parser 4.4.0, mail-parser-reply 1.36, email-reply-parser 0.5.12,
# parsedmarc 11.1.0, imbox 0.10.1, django-helpdesk 2.6.1, django-anymail 15.2, roundup 2.6.0
# (their tests build messages in code); mail-deduplicate's sdist does not build here.
PACKAGES = [
    "mail-parser==4.8.0",
    "talon==1.4.4",
    "flufl.bounce==6.0.0",
    "django-mailbox==4.10.1",
    "dkimpy==1.1.8",
    "authheaders==0.16.3",
    "mailman==3.3.10",
    "salmon-mail==3.3.0",
    "hyperkitty==1.3.12",
]

# Files never worth sniffing (code, docs, images, keys, archives).
SKIP_SUFFIXES = {
    ".py", ".pyc", ".pyi", ".cfg", ".toml", ".in", ".md", ".rst", ".json", ".yml", ".yaml",
    ".ini", ".html", ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".po", ".mo",
    ".pot", ".sql", ".mako", ".xml", ".csv", ".zip", ".gz", ".sh", ".typed", ".npy", ".key",
    ".pem", ".dns", ".lock", ".dat", ".mmdb", ".conf", ".bat", ".c", ".h", ".ico",
}  # fmt: skip
MAX_FILE = 20 * 1024 * 1024

HEADER_LINE = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]*:")
KNOWN_HEADERS = {
    b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"return-path",
    b"mime-version", b"content-type", b"delivered-to", b"reply-to", b"sender", b"x-mailer",
    b"in-reply-to", b"references", b"dkim-signature", b"authentication-results",
}  # fmt: skip
OUTCOMES = ["created", "appended", "flagged", "ignored", "quarantined", "duplicate"]


@dataclass(frozen=True)
class Message:
    source: str
    path: str
    raw: bytes


def looks_like_message(data: bytes) -> bool:
    """RFC 822 headers on top: a header on the first line, and two well-known names before the
    first line that is not a header (one if the headers end at a blank line)."""
    head = data[: 32 * 1024]
    if b"\x00" in head[:4096]:
        return False
    lines = head.splitlines()
    if lines and lines[0].startswith(b"From "):  # mbox envelope line
        lines = lines[1:]
    if not lines or not HEADER_LINE.match(lines[0]):
        return False
    known, blank = set(), False
    for line in lines:
        if not line.strip():
            blank = True
            break
        if line[:1] in (b" ", b"\t"):
            continue
        match = HEADER_LINE.match(line)
        if match is None:
            break
        name = match.group(1).lower()
        if name in KNOWN_HEADERS:
            known.add(name)
    # One well-known header is enough when the block is all headers up to a blank line.
    return len(known) >= 2 or (len(known) == 1 and blank)


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox file (mboxo: a "From " line after a blank line starts one),
    without their envelope lines; a single message is returned as it is."""
    if not data.startswith(b"From "):
        return [data]
    parts = re.split(rb"(?:\r?\n)(?=From [^\r\n]*\r?\n)", data)
    parts = [p for p in parts if p.strip()]
    if len(parts) < 2:
        return [data]
    return [p.split(b"\n", 1)[1] if b"\n" in p else b"" for p in parts]


def stdlib_messages() -> tuple[list[Message], int]:
    folder = Path(sysconfig.get_path("stdlib")) / "test" / "test_email" / "data"
    files = sorted([*folder.glob("msg_*.txt"), *folder.glob("*.eml")])
    if not files:
        print(f"warning: no CPython email test data in {folder}", file=sys.stderr)
    taken, skipped = [], 0
    for path in files:
        data = path.read_bytes()
        if looks_like_message(data):
            taken.append(Message("cpython", f"test_email/data/{path.name}", data))
        else:
            skipped += 1
    return taken, skipped


def sdist(requirement: str) -> Path:
    """The package's sdist in var/corpus/sdists/, downloaded from PyPI the first time."""
    folder = CACHE / "sdists"
    folder.mkdir(parents=True, exist_ok=True)
    name, version = requirement.split("==")
    wanted = re.sub(r"[-_.]+", "_", name).lower()
    for archive in sorted(folder.glob("*.tar.gz")):
        stem_name, _, stem_version = archive.name[: -len(".tar.gz")].rpartition("-")
        if re.sub(r"[-_.]+", "_", stem_name).lower() == wanted and stem_version == version:
            return archive
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    command += ["--no-binary", ":all:", "--dest", str(folder), requirement]
    subprocess.run(command, check=True)
    return sdist(requirement)


def sdist_messages(requirement: str) -> tuple[list[Message], int]:
    name = requirement.split("==")[0]
    taken, skipped = [], 0
    with tarfile.open(sdist(requirement)) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.name)
        for member in members:
            suffix = Path(member.name).suffix.lower()
            if suffix in SKIP_SUFFIXES or member.size > MAX_FILE:
                continue
            if Path(member.name).name in {"PKG-INFO", "LICENSE", "NOTICE", "Makefile"}:
                continue
            data = tar.extractfile(member).read()
            if not looks_like_message(data):
                skipped += 1
                continue
            path = member.name.split("/", 1)[1]
            chunks = split_mbox(data)
            for index, chunk in enumerate(chunks):
                if len(chunks) > 1 and not looks_like_message(chunk):
                    skipped += 1
                    continue
                label = f"{path}#{index + 1}" if len(chunks) > 1 else path
                taken.append(Message(name, label, chunk))
    return taken, skipped


def corpus() -> tuple[list[Message], dict[str, tuple[int, int]]]:
    messages, counts = [], {}
    taken, skipped = stdlib_messages()
    messages += taken
    counts["cpython"] = (len(taken), skipped)
    for requirement in PACKAGES:
        taken, skipped = sdist_messages(requirement)
        messages += taken
        counts[requirement] = (len(taken), skipped)
    return messages, counts


def other_line_endings(raw: bytes) -> bytes:
    if b"\r\n" in raw:
        return raw.replace(b"\r\n", b"\n")
    return raw.replace(b"\n", b"\r\n")


def same_bytes_key(raw: bytes) -> bytes:
    """Identity of a message's bytes, line endings aside."""
    return raw.replace(b"\r\n", b"\n")


def run_pass(ingest_message, messages: list[Message], variant=None) -> tuple[list, list, float]:
    """(results, crashes, seconds): a result per message (None when it crashed)."""
    results, crashes = [], []
    start = time.perf_counter()
    for message in messages:
        raw = variant(message.raw) if variant else message.raw
        try:
            results.append(ingest_message(raw))
        except Exception as exc:
            results.append(None)
            crashes.append((message, exc, traceback.format_exc(limit=-3)))
    return results, crashes, time.perf_counter() - start


def outcome_counts(results) -> Counter:
    return Counter(str(r.outcome) if r is not None else "crash" for r in results)


def print_counts(title: str, results, crashes, took: float) -> None:
    counts = outcome_counts(results)
    shown = [f"{name} {counts.pop(name, 0)}" for name in OUTCOMES]
    shown += [f"{name} {n}" for name, n in sorted(counts.items())]
    rate = len(results) / took if took else 0.0
    print(f"{title}: {', '.join(shown)} ({len(results)} messages, {rate:.1f} msg/s)")
    for message, exc, trace in crashes:
        print(f"  CRASH {message.source}: {message.path}: {exc.__class__.__name__}: {exc}")
        for line in trace.rstrip().splitlines():
            print(f"      {line}")


def raw_kept_report(record_ids: list[int]) -> tuple[int, list[int], str]:
    """(records checked, ids of records without their raw bytes, fields looked at)."""
    from django.db.models import Q

    from intake.models import InboundMessage

    fields = {f.name for f in InboundMessage._meta.get_fields()}
    kept = Q(pk__in=[])
    looked = []
    if "raw_file" in fields:
        kept |= Q(raw_file__isnull=False) & ~Q(raw_file="")
        looked.append("raw_file")
    if "raw" in fields:
        kept |= Q(raw__isnull=False)
        looked.append("raw")
    records = InboundMessage.objects.filter(pk__in=record_ids)
    missing = list(records.exclude(kept).values_list("pk", flat=True))
    if "raw_file" in fields:  # a file named in the row must be in the storage too
        for pk, name in records.exclude(raw_file="").values_list("pk", "raw_file"):
            field = InboundMessage._meta.get_field("raw_file")
            if name and not field.storage.exists(name) and pk not in missing:
                missing.append(pk)
    return records.count(), sorted(missing), " or ".join(looked) or "(no raw field)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the messages taken and stop")
    parser.add_argument("--verbose", action="store_true", help="print one line per message")
    args = parser.parse_args()

    messages, per_source = corpus()
    print("corpus:")
    for source, (taken, skipped) in per_source.items():
        print(f"  {source:28} {taken:4} messages ({skipped} files skipped by the header sniff)")
    print(f"  {'total':28} {len(messages):4} messages")
    if args.list:
        for message in messages:
            print(f"{message.source}\t{message.path}\t{len(message.raw)}")
        return 0

    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = ROOT / "var" / "corpus-media"
    call_command("migrate", verbosity=0)
    from intake.services import ingest_message

    empty_tables()
    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {vendor}")

    # Pass 1: every message once.
    first, crashes, took = run_pass(ingest_message, messages)
    print_counts("pass 1, each message once", first, crashes, took)
    by_source: dict[str, Counter] = {}
    for message, result in zip(messages, first, strict=True):
        outcome = str(result.outcome) if result is not None else "crash"
        by_source.setdefault(message.source, Counter())[outcome] += 1
    seen_outcomes = {o for counts in by_source.values() for o in counts}
    columns = [*OUTCOMES, *sorted(seen_outcomes - {*OUTCOMES, "crash"}), "crash"]
    print(f"  {'source':16}" + "".join(f"{c:>12}" for c in columns))
    for source, counts in by_source.items():
        print(f"  {source:16}" + "".join(f"{counts.get(c, 0):>12}" for c in columns))
    if args.verbose:
        for message, result in zip(messages, first, strict=True):
            line = result.line() if result is not None else "CRASH"
            print(f"  {message.source}: {message.path}: {line}")

    seen: set[bytes] = set()
    suspicious = []
    for message, result in zip(messages, first, strict=True):
        key = same_bytes_key(message.raw)
        if result is not None and str(result.outcome) == "duplicate" and key not in seen:
            suspicious.append(message)
        seen.add(key)
    identical = len(messages) - len(seen)
    print(
        f"duplicate unless identical: {len(suspicious)} messages called duplicate with no "
        f"identical message before them ({identical} messages repeat an earlier one's bytes)"
    )
    for message in suspicious:
        print(f"  {message.source}: {message.path}")

    # Pass 2: every message again.
    second, crashes2, took = run_pass(ingest_message, messages)
    print_counts("pass 2, each message again", second, crashes2, took)
    not_duplicate = [
        (m, r)
        for m, r in zip(messages, second, strict=True)
        if r is not None and str(r.outcome) != "duplicate"
    ]
    for message, result in not_duplicate:
        print(f"  NOT DUPLICATE {message.source}: {message.path}: {result.line()}")

    # Pass 3: line endings switched.
    third, crashes3, took = run_pass(ingest_message, messages, variant=other_line_endings)
    print_counts("pass 3, line endings switched (CRLF <-> LF)", third, crashes3, took)
    read_twice = [
        (m, r)
        for m, r in zip(messages, third, strict=True)
        if r is not None and str(r.outcome) != "duplicate"
    ]
    print(
        f"same identity whichever line endings: {len(messages) - len(read_twice)} of "
        f"{len(messages)} messages (the others were taken as new messages)"
    )
    for message, result in read_twice if args.verbose else read_twice[:20]:
        print(f"  {message.source}: {message.path}: {result.line()}")
    if len(read_twice) > 20 and not args.verbose:
        print(f"  ... and {len(read_twice) - 20} more (--verbose lists them all)")

    # Raw bytes kept for every record of pass 1.
    ids = [r.record_id for r in first if r is not None and r.record_id is not None]
    no_record = [
        (m, r)
        for m, r in zip(messages, first, strict=True)
        if r is not None and r.record_id is None and str(r.outcome) != "duplicate"
    ]
    checked, missing, looked = raw_kept_report(ids)
    print(
        f"raw bytes kept ({looked}): {checked - len(missing)} of {checked} records of pass 1 "
        f"other than duplicates; without: {len(missing)}"
        + (f"; results with no record id: {len(no_record)}" if no_record else "")
    )
    if args.verbose:
        print(f"  records without raw bytes: {missing}")

    with_crash = crashes or crashes2 or crashes3
    print(f"crashes: {len(crashes) + len(crashes2) + len(crashes3)}")
    if os.environ.get("REDIS_URL"):
        from helpdesk.celery import app

        try:
            app.control.purge()  # the notification jobs the run queued
        except Exception as exc:
            print(f"(could not purge the broker: {exc})")
    return 1 if with_crash or not_duplicate else 0


if __name__ == "__main__":
    sys.exit(main())
