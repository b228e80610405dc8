"""Intake parsing over the message corpus, loop detection and quote folding."""

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from core.text import split_quoted
from intake.loops import is_auto_generated
from intake.parse import UnparseableMessage, parse_message, ticket_number_from_subject

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def load(name: str):
    return parse_message((CORPUS / name).read_bytes())


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.eml")), ids=lambda p: p.name)
def test_every_corpus_message_parses_or_is_quarantinable(path):
    try:
        parsed = parse_message(path.read_bytes())
    except UnparseableMessage as exc:
        assert exc.reason
    else:
        assert parsed.message_id


def test_latin1_subject_sender_and_ticket_number():
    m = load("latin1_body.eml")
    assert m.subject == "Problème [#42]"
    assert m.ticket_number == 42
    assert (m.from_address, m.from_name) == ("rene@example.fr", "René")
    assert "problème à l'écran" in m.text
    assert m.date is not None and m.date.tzinfo is not None


def test_odd_charsets_are_decoded():
    assert "crème" in load("mislabelled_charset.eml").text  # mixed bytes: cp1252 fallback
    assert "\u201cquoted\u201d \u20ac" in load("cp1252.eml").text
    assert load("iso2022jp.eml").text.strip() == "こんにちは"
    assert "8bit" in load("eightbit_header.eml").subject


def test_html_only_is_sanitized_and_converted():
    m = load("html_script.eml")
    assert "Hello world" in m.text and "alert" not in m.text
    for bad in ("<script", "onclick", "onerror", "javascript:", "<style"):
        assert bad not in m.html
    assert "<b>world</b>" in m.html


def test_attachment_names_are_sanitized():
    names = [a.filename for a in load("traversal_names.eml").attachments]
    assert names == ["passwd", "evil.exe"]


def test_inline_images_found():
    m = load("related_inline.eml")
    assert m.text == "plain version"
    [img] = m.attachments
    assert (img.content_type, img.content_id, img.is_inline) == ("image/png", "img1@x", True)


def test_missing_headers_get_stable_synthetic_id():
    a, b = load("no_headers_ids.eml"), load("no_headers_ids.eml")
    assert a.synthetic_message_id and a.message_id == b.message_id
    assert (a.from_address, a.date, a.subject) == ("", None, "no id no date no from")


def test_threading_headers():
    m = load("gmail_fr_reply.eml")
    assert m.in_reply_to == "<sent-7@demo.test>"
    assert m.references == ["<a@demo.test>", "<sent-7@demo.test>"]


def test_truncated_mime_still_gives_body():
    m = load("truncated_mime.eml")
    assert "start of body" in m.text


def test_huge_attachment_is_skipped_but_recorded():
    raw = (
        b'From: a@b.c\nSubject: big\nContent-Type: multipart/mixed; boundary="B"\n\n--B\n'
        b"Content-Type: text/plain\n\nhi\n--B\nContent-Type: application/octet-stream\n"
        b'Content-Disposition: attachment; filename="big.bin"\n\n' + b"x" * 2_000_000 + b"\n--B--\n"
    )
    m = parse_message(raw, max_attachment_bytes=1_000_000)
    assert m.attachments == [] and m.skipped_parts[0][0] == "big.bin"
    assert m.text == "hi"


@pytest.mark.parametrize("raw", [b"", b"\x00\xff" * 10, b"   \n"])
def test_garbage_raises_only_unparseable(raw):
    with pytest.raises(UnparseableMessage):
        parse_message(raw)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("dsn_bounce.eml", ("bounce", "bounce sender: mailer-daemon@mx.example")),
        ("out_of_office.eml", ("auto_reply", "auto-submitted: auto-replied")),
        ("mailing_list.eml", ("list", "precedence: list")),
        ("latin1_body.eml", None),
    ],
)
def test_auto_generated_detection(name, expected):
    verdict = load(name).auto_generated
    assert (verdict and (verdict.category, verdict.reason)) == expected


def test_own_addresses_and_headers():
    def check(headers: str, own=()):
        return is_auto_generated(message_from_bytes(headers.encode(), policy=policy.default), own)

    assert check("From: Support <SUPPORT@demo.test>\n\nx", {"support@demo.test"})
    assert check("From: a@b.c\nAuto-Submitted: no\n\nx") is None
    assert check("From: postmaster@b.c\n\nx")
    assert check("From: a@b.c\nX-Autoreply: yes\n\nx")
    assert check("From: a@b.c\nPrecedence: bulk\n\nx")


def test_ticket_number_from_subject():
    assert ticket_number_from_subject("RE: [#88] x") == 88
    assert ticket_number_from_subject("#88 x") is None


def test_quotes_french_gmail_wrapped():
    text = "D'accord.\n\nLe lun. 3 févr. 2025 à 10:12, X\n<x@y> a écrit :\n> avant"
    assert split_quoted(text) == (
        "D'accord.",
        "Le lun. 3 févr. 2025 à 10:12, X\n<x@y> a écrit :\n> avant",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Thanks\n\nOn Mon, Feb 3, 2025 at 10:12 AM X <x@y> wrote:\n> old",
        "Thanks\n-----Original Message-----\nFrom: x",
        "Thanks\n-------- Message d'origine --------\nDe : x",
        "Thanks\n\nDe : Support <s@d.t>\nEnvoyé : lundi\nÀ : c",
        "Thanks\n\nFrom: Support\nSent: Monday\nTo: c",
        "Thanks\n> old\n> older",
        "Thanks\n-- \nJohn",
    ],
)
def test_quotes_are_folded(text):
    reply, quoted = split_quoted(text)
    assert reply == "Thanks" and quoted and text.endswith(quoted)


def test_unquoted_text_is_untouched():
    assert split_quoted("just text\n> inline quote\nmore") == (
        "just text\n> inline quote\nmore",
        "",
    )
