"""Mailbox transport (IMAP via imap-tools, POP3 via poplib), independent of models.

The caller commits the ticket for a message before calling mark_done(uid): a crash in between
leaves the message on the server, and dedupe on Message-ID absorbs the second delivery.
Passwords are never logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import poplib
from collections.abc import Iterator
from types import TracebackType

from imap_tools import MailBox, MailBoxUnencrypted

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# Set on each message once its ticket is committed: a message someone already read in a mail
# program (\\Seen) is still imported, and one we imported is not fetched again.
IMPORTED_KEYWORD = "$HelpdeskImported"


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
        cls = MailBox if self.use_tls else MailBoxUnencrypted
        logger.info("connecting to %r", self)
        self._box = cls(self.host, self.port, timeout=self.timeout)
        self._box.login(self.username, self._password, initial_folder=self.folder)
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
        cls = poplib.POP3_SSL if self.use_tls else poplib.POP3
        logger.info("connecting to %r", self)
        self._conn = cls(self.host, self.port, timeout=self.timeout)
        self._conn.user(self.username)
        self._conn.pass_(self._password)
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
