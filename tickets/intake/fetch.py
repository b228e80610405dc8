"""Mailbox transport (IMAP via imap-tools, POP3 via poplib), independent of models.

The caller commits the ticket for a message before calling mark_done(uid): a crash in between
leaves the message on the server, and dedupe on Message-ID absorbs the second delivery.
Passwords are never logged.
"""

from __future__ import annotations

import logging
import poplib
from collections.abc import Iterator
from types import TracebackType

from imap_tools import MailBox, MailBoxUnencrypted

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30


class ImapSource:
    """IMAP folder; mark_done flags \\Seen, or deletes and expunges when delete=True."""

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
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.host, self.port, self.use_tls = host, port, use_tls
        self.username, self._password, self.folder = username, password, folder
        self.delete, self.timeout = delete, timeout
        self._box: MailBox | MailBoxUnencrypted | None = None

    def __repr__(self) -> str:
        return f"ImapSource({self.username}@{self.host}:{self.port}/{self.folder})"

    def __enter__(self) -> ImapSource:
        cls = MailBox if self.use_tls else MailBoxUnencrypted
        logger.info("connecting to %r", self)
        self._box = cls(self.host, self.port, timeout=self.timeout)
        self._box.login(self.username, self._password, initial_folder=self.folder)
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

    def list_pending(self) -> Iterator[tuple[str, bytes]]:
        """Unseen messages as (uid, exact raw bytes), fetched with BODY.PEEK (stay unseen)."""
        assert self._box is not None, "use as a context manager"
        for uid in self._box.uids("UNSEEN"):
            typ, data = self._box.client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in data if isinstance(part, tuple)), None)
            if typ == "OK" and raw is not None:
                yield uid, raw

    def mark_done(self, uid: str) -> None:
        assert self._box is not None, "use as a context manager"
        if self.delete:
            self._box.delete([uid])  # imap-tools expunges after flagging \Deleted
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
