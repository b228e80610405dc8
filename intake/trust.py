"""Who really sent a message: the rule that decides whether mail may speak as a known person.

The From: header is written by the sender and proves nothing. A message is taken as coming
from the person whose address is in From: only when one of these vouches for it:

1. **The receiving server's Authentication-Results** (RFC 8601), read only from headers whose
   authserv-id the mailbox trusts (Mailbox.trusted_authserv_ids; settings
   INTAKE_TRUSTED_AUTHSERV_IDS for `ingest_email` and as the default of every mailbox):
   - dmarc=pass for the From domain, or
   - dkim=pass with a signing domain (header.d) aligned with the From domain (the same domain or
     a parent of it), or
   - spf=pass for an envelope sender (smtp.mailfrom) aligned with the From domain.
   A dmarc=fail from a trusted server overrides any pass. The mail server must remove
   Authentication-Results headers carrying its own authserv-id that arrive from outside
   (Postfix with OpenDMARC, rspamd and Exchange do): a header with an unknown authserv-id is
   shown as evidence and never believed.
2. **DKIM verified by the helpdesk itself** when the mailbox asks for it (Mailbox.verify_dkim):
   a valid signature of a domain aligned with the From domain (dkimpy, DNS lookups).
3. **Our signed reply token** (tickets.message_ids): the reply names, in In-Reply-To or
   References, an email about that ticket that we sent to that very address.

Staff identities (anyone with a staff role) are accepted only through 1 or 2: a reply token
proves that someone read the mailbox, not who they are. Anything that claims to be a known
person without such proof goes to review, flagged "unverified sender" with this evidence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings

from tickets.message_ids import holds_reply_token

logger = logging.getLogger(__name__)

# Methods that authenticate a sender's domain (accepted for staff and clients).
AUTHENTICATED = ("dmarc", "dkim", "spf", "dkim-local")
REPLY_TOKEN = "reply-token"  # noqa: S105 (a method name)

# Set by tests to a local resolver; None uses dkimpy's own DNS lookup.
dkim_dnsfunc: Callable | None = None


@dataclass(frozen=True)
class Trust:
    method: str = ""  # what vouched: one of AUTHENTICATED, REPLY_TOKEN, or "" for nothing
    evidence: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return bool(self.method)

    def vouches_for(self, *, staff: bool) -> bool:
        return self.method in AUTHENTICATED if staff else self.verified

    def as_data(self) -> dict:
        return {"method": self.method, "evidence": self.evidence}


@dataclass(frozen=True)
class AuthResult:
    method: str
    result: str
    props: dict[str, str]


def _strip_comments(value: str) -> str:
    out, depth = [], 0
    for char in value:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out)


def parse_authentication_results(value: str) -> tuple[str, list[AuthResult]]:
    """(authserv-id, results) of one Authentication-Results header value."""
    parts = [p.strip() for p in _strip_comments(value).split(";")]
    if not parts or not parts[0]:
        return "", []
    authserv_id = parts[0].split()[0].lower()
    results = []
    for part in parts[1:]:
        tokens = part.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _sep, result = tokens[0].partition("=")
        props = {}
        for token in tokens[1:]:
            key, sep, val = token.partition("=")
            if sep:
                props[key.lower()] = val.strip('"').lower()
        results.append(AuthResult(method.lower().split("/")[0], result.lower(), props))
    return authserv_id, results


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(".").lower()


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain, or from_domain is a subdomain of domain."""
    domain = domain.strip().strip(".").lower()
    return bool(domain) and (from_domain == domain or from_domain.endswith("." + domain))


def _from_auth_results(
    headers: Iterable[str], trusted: set[str], from_domain: str, evidence: list[str]
) -> str:
    passes: list[str] = []
    dmarc_failed = False
    for value in headers:
        authserv_id, results = parse_authentication_results(value)
        shown = " ".join(value.split())[:300]
        if authserv_id not in trusted:
            evidence.append(f"ignored (authserv-id {authserv_id or '?'} not trusted): {shown}")
            continue
        evidence.append(f"trusted: {shown}")
        for item in results:
            if item.method == "dmarc":
                header_from = item.props.get("header.from", from_domain)
                if header_from == from_domain:
                    if item.result == "pass":
                        passes.append("dmarc")
                    elif item.result in ("fail", "reject", "quarantine"):
                        dmarc_failed = True
            elif item.method == "dkim" and item.result == "pass":
                signer = item.props.get("header.d") or _domain(item.props.get("header.i", ""))
                if aligned(signer, from_domain):
                    passes.append("dkim")
            elif item.method == "spf" and item.result == "pass":
                envelope = item.props.get("smtp.mailfrom", "")
                if aligned(_domain(envelope) if "@" in envelope else envelope, from_domain):
                    passes.append("spf")
    if dmarc_failed:
        evidence.append("DMARC failed for the From domain")
        return ""
    for method in ("dmarc", "dkim", "spf"):
        if method in passes:
            return method
    return ""


def _dkim_local(raw: bytes, from_domain: str, evidence: list[str]) -> str:
    import dkim  # dkimpy: imported only for mailboxes that verify DKIM themselves

    try:
        checker = dkim.DKIM(raw, timeout=5)
    except Exception as exc:
        evidence.append(f"DKIM: message unreadable ({exc.__class__.__name__})")
        return ""
    signatures = [h for h in checker.headers if h[0].lower() == b"dkim-signature"]
    for index in range(len(signatures)):
        try:
            kwargs = {"dnsfunc": dkim_dnsfunc} if dkim_dnsfunc is not None else {}
            valid = checker.verify(idx=index, **kwargs)
        except Exception as exc:
            evidence.append(f"DKIM signature {index + 1}: {exc.__class__.__name__}")
            continue
        signer = (checker.domain or b"").decode("ascii", "replace")
        if valid and aligned(signer, from_domain):
            evidence.append(f"DKIM signature of {signer} verified by the helpdesk")
            return "dkim-local"
        evidence.append(f"DKIM signature of {signer or '?'}: {'valid' if valid else 'invalid'}")
    if not signatures:
        evidence.append("no DKIM signature")
    return ""


def trusted_ids(mailbox) -> set[str]:
    configured = mailbox.trusted_ids() if mailbox is not None else []
    default = [i.lower() for i in getattr(settings, "INTAKE_TRUSTED_AUTHSERV_IDS", [])]
    return set(configured or default)


def evaluate(
    raw: bytes,
    *,
    auth_results: Iterable[str],
    from_address: str,
    mailbox=None,
    ticket_number: int | None = None,
    reply_ids: Iterable[str] = (),
) -> Trust:
    """What vouches for from_address in this message (see the module docstring)."""
    evidence: list[str] = []
    from_domain = _domain(from_address)
    headers = list(auth_results)
    method = ""
    if from_domain:
        method = _from_auth_results(headers, trusted_ids(mailbox), from_domain, evidence)
    if not headers:
        evidence.append("no Authentication-Results header")
    if not method and from_domain and mailbox is not None and mailbox.verify_dkim:
        method = _dkim_local(raw, from_domain, evidence)
    if not method and ticket_number is not None:
        if holds_reply_token(reply_ids, ticket_number, from_address):
            evidence.append(f"answers an email about #{ticket_number} sent to this address")
            method = REPLY_TOKEN
        else:
            evidence.append("no reply token for this address")
    return Trust(method, evidence)
