"""Mailbox transport (IMAP via imap-tools, POP3 via poplib), independent of models.

Every connection goes through core.net's guard: the host is resolved once, refused when it is
internal (unless allowed by name), and the socket is opened to that checked address, TLS
verifying the name.

The caller commits the ticket for a message before calling mark_done(uid): a crash in between
leaves the message on the server, and dedupe on Message-ID absorbs the second delivery.
Passwords are never logged.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import logging
import poplib
from collections.abc import Iterator
from types import TracebackType

from django.utils.translation import gettext_lazy as _
from imap_tools import MailBox, MailBoxUnencrypted
from imap_tools.errors import MailboxLoginError

from core import net

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Set on each message once its ticket is committed: a message someone already read in a mail
# program (\\Seen) is still imported, and one we imported is not fetched again.
IMPORTED_KEYWORD = "$HelpdeskImported"


class LoginRefused(net.OutgoingError):
    message = _("the mail server refused the login")


class MailServerError(net.OutgoingError):
    message = _("the mail server answered with an error")


def fixed_error(exc: BaseException) -> net.OutgoingError:
    """One of a fixed set of errors for what went wrong with a mail server: its own words
    (a greeting, a refusal) are never shown."""
    if isinstance(exc, net.OutgoingError):
        return exc
    if isinstance(exc, imaplib.IMAP4.error | poplib.error_proto):
        return MailServerError()
    return net.failure(exc)


# Sockets through the guard. imaplib and poplib open theirs in _create_socket (the TLS
# variants wrap there too): each is replaced by net.connect, which wraps with the name as SNI.
class _GuardedIMAP4(imaplib.IMAP4):
    def _create_socket(self, timeout):
        return net.connect(self.host, self.port, read_timeout=timeout or net.READ_TIMEOUT)


class _GuardedIMAP4_SSL(imaplib.IMAP4_SSL):
    def _create_socket(self, timeout):
        return net.connect(self.host, self.port, tls=True, read_timeout=timeout or net.READ_TIMEOUT)


class _GuardedMailBox(MailBox):
    def _get_mailbox_client(self) -> imaplib.IMAP4:
        return _GuardedIMAP4_SSL(self._host, self._port, timeout=self._timeout)


class _GuardedMailBoxUnencrypted(MailBoxUnencrypted):
    def _get_mailbox_client(self) -> imaplib.IMAP4:
        return _GuardedIMAP4(self._host, self._port, timeout=self._timeout)


class _GuardedPOP3(poplib.POP3):
    def _create_socket(self, timeout):
        return net.connect(self.host, self.port, read_timeout=timeout or net.READ_TIMEOUT)


class _GuardedPOP3_SSL(poplib.POP3_SSL):
    def _create_socket(self, timeout):
        return net.connect(self.host, self.port, tls=True, read_timeout=timeout or net.READ_TIMEOUT)


class ImapSource:
    """IMAP folder; mark_done flags \\Seen and our keyword, or deletes and expunges when
    delete=True. Pending: messages without our keyword (received since `since`, when given),
    or every unseen message on a server that keeps no custom keywords."""

    def __init__(
        self,
        host: str,
        port: int,
        use_tls: bool,
        username: str,
        password: str,
        folder: str = "INBOX",
        *,
        delete: bool = False,
        since: dt.date | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.host, self.port, self.use_tls = host, port, use_tls
        self.username, self._password, self.folder = username, password, folder
        self.delete, self.since, self.timeout = delete, since, timeout
        self._box: MailBox | MailBoxUnencrypted | None = None
        self.keywords = False

    def __repr__(self) -> str:
        return f"ImapSource({self.username}@{self.host}:{self.port}/{self.folder})"

    def __enter__(self) -> ImapSource:
        cls = _GuardedMailBox if self.use_tls else _GuardedMailBoxUnencrypted
        logger.info("connecting to %r", self)
        self._box = cls(self.host, self.port, timeout=self.timeout)
        try:
            self._box.login(self.username, self._password, initial_folder=self.folder)
        except MailboxLoginError as exc:
            self.__exit__(None, None, None)
            raise LoginRefused from exc
        # SELECT said which flags stick: "\\*" means any keyword may be set.
        permanent = self._box.client.untagged_responses.get("PERMANENTFLAGS", [])
        self.keywords = any(b"\\*" in (item or b"") for item in permanent)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._box is not None:
            try:
                self._box.logout()
            except Exception:  # connection already gone
                logger.debug("logout failed for %r", self, exc_info=True)
            self._box = None

    def _criteria(self) -> str:
        if not self.keywords:
            return "UNSEEN"
        if self.since is None:
            return f"UNDELETED UNKEYWORD {IMPORTED_KEYWORD}"
        since = f"{self.since.day}-{_MONTHS[self.since.month - 1]}-{self.since.year}"
        return f"UNDELETED UNKEYWORD {IMPORTED_KEYWORD} OR UNSEEN SINCE {since}"

    def list_pending(self) -> Iterator[tuple[str, bytes]]:
        """Pending messages as (uid, exact raw bytes), fetched with BODY.PEEK (flags kept)."""
        assert self._box is not None, "use as a context manager"
        for uid in self._box.uids(self._criteria()):
            typ, data = self._box.client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in data if isinstance(part, tuple)), None)
            if typ == "OK" and raw is not None:
                yield uid, raw

    def mark_done(self, uid: str) -> None:
        assert self._box is not None, "use as a context manager"
        if self.delete:
            self._box.delete([uid])  # imap-tools expunges after flagging \Deleted
        elif self.keywords:
            self._box.flag([uid], ["\\Seen", IMPORTED_KEYWORD], True)
        else:
            self._box.flag([uid], "\\Seen", True)


class Pop3Source:
    """POP3 mailbox; uids come from UIDL; mark_done marks DELE, applied at QUIT on clean exit."""

    def __init__(
        self,
        host: str,
        port: int,
        use_tls: bool,
        username: str,
        password: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.host, self.port, self.use_tls = host, port, use_tls
        self.username, self._password, self.timeout = username, password, timeout
        self._conn: poplib.POP3 | None = None
        self._numbers: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"Pop3Source({self.username}@{self.host}:{self.port})"

    def __enter__(self) -> Pop3Source:
        cls = _GuardedPOP3_SSL if self.use_tls else _GuardedPOP3
        logger.info("connecting to %r", self)
        self._conn = cls(self.host, self.port, timeout=self.timeout)
        try:
            self._conn.user(self.username)
            self._conn.pass_(self._password)
        except poplib.error_proto as exc:
            self._conn.close()
            self._conn = None
            raise LoginRefused from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._conn is None:
            return
        try:
            if exc_type is None:
                self._conn.quit()  # commits DELE marks
            else:
                self._conn.close()  # no QUIT: the server keeps every message
        except Exception:
            logger.debug("closing %r failed", self, exc_info=True)
        self._conn = None

    def list_pending(self) -> Iterator[tuple[str, bytes]]:
        assert self._conn is not None, "use as a context manager"
        _, lines, _ = self._conn.uidl()
        for line in lines:
            number, uid = line.decode("ascii", "replace").split(maxsplit=1)
            self._numbers[uid] = int(number)
        for uid, number in list(self._numbers.items()):
            _, body, _ = self._conn.retr(number)
            yield uid, b"\r\n".join(body) + b"\r\n"

    def mark_done(self, uid: str) -> None:
        assert self._conn is not None, "use as a context manager"
        self._conn.dele(self._numbers[uid])
