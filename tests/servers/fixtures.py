"""Local stand-in servers for tests: Dovecot (IMAP + POP3), an aiosmtpd SMTP sink, an HTTP sink."""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


# Outgoing connections refuse 127.0.0.1 (core/net.py); the tests that talk to these servers
# allow it by name, as an admin would allow an intranet host.
LOCAL_HOSTS = ["127.0.0.1", "localhost"]


@pytest.fixture
def allow_local_servers(settings):
    """Let webhooks and mailboxes reach the stand-in servers on 127.0.0.1."""
    settings.HELPDESK_ALLOWED_INTERNAL_HOSTS = LOCAL_HOSTS


# Ports handed out by free_port(): a band of its own for each pytest-xdist worker, below the
# kernel's ephemeral range, so that neither another worker nor a socket bound to port 0 (the
# live server, the HTTP sink) can take a port between free_port() and the server binding it.
PORT_BAND_START, PORT_BAND_SIZE = 20000, 400
_next_in_band: list[int] = []


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, from this test worker's own band."""
    first = PORT_BAND_START + _worker_index() * PORT_BAND_SIZE
    if first + PORT_BAND_SIZE > _ephemeral_low():  # more workers than bands: ask the kernel
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    if not _next_in_band:
        # A random start: two test runs side by side on one machine rarely walk in step.
        _next_in_band.append(random.randrange(PORT_BAND_SIZE))
    for _ in range(PORT_BAND_SIZE):
        offset = _next_in_band[0]
        _next_in_band[0] = (offset + 1) % PORT_BAND_SIZE
        if _is_free(first + offset):
            return first + offset
    raise RuntimeError(f"no free port in {first}..{first + PORT_BAND_SIZE - 1}")


@dataclass
class Dovecot:
    home: Path
    imap_port: int
    pop3_port: int
    uid: int = -1
    gid: int = -1
    username: str = "test"
    password: str = "secret-pw"

    @property
    def maildir(self) -> Path:
        return self.home / "Maildir"

    def deliver(self, raw: bytes) -> None:
        """Drop a raw message into Maildir/new, as a local delivery agent would."""
        for sub in ("new", "cur", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
            os.chown(self.maildir / sub, self.uid, self.gid)
        name = f"{time.time():.6f}.{uuid.uuid4().hex}.test"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, self.uid, self.gid)
        tmp.rename(self.maildir / "new" / name)


CONF = """
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
default_internal_group = {group}
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:{d}/home/Maildir
pop3_uidl_format = %08Xu%08Xv
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service pop3-login {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home
}}
"""


def _wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"port {port} not listening")


@pytest.fixture
def dovecot():
    """A real Dovecot serving IMAP and POP3 on 127.0.0.1 for one test user."""
    import grp
    import pwd

    if not Path(DOVECOT).exists():
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd dovecot-pop3d)")
    # Own world-traversable folder: when run as root, Dovecot's auth process runs as "dovecot"
    # and must reach the passwd-file (pytest's tmp_path lives under a 0700 folder).
    d = Path(tempfile.mkdtemp(prefix="dovecot-"))
    d.chmod(0o755)
    (d / "home" / "Maildir").mkdir(parents=True)
    user = pwd.getpwuid(os.getuid()).pw_name
    # Dovecot refuses uid 0 for mail access: as root, mail is owned by the "dovecot" user.
    mail_user = pwd.getpwuid(os.getuid()) if os.getuid() else pwd.getpwnam("dovecot")
    server = Dovecot(
        home=d / "home",
        imap_port=free_port(),
        pop3_port=free_port(),
        uid=mail_user.pw_uid,
        gid=mail_user.pw_gid,
    )
    for path in (d / "home", d / "home" / "Maildir"):
        os.chown(path, server.uid, server.gid)
    (d / "passwd").write_text(f"{server.username}:{{PLAIN}}{server.password}\n")
    conf = d / "dovecot.conf"
    conf.write_text(
        CONF.format(
            d=d,
            internal=user if os.getuid() else "dovecot",
            login=user if os.getuid() else "dovenull",
            group=grp.getgrgid(os.getgid()).gr_name if os.getuid() else "dovecot",
            uid=server.uid,
            gid=server.gid,
            imap=server.imap_port,
            pop3=server.pop3_port,
        )
    )
    proc = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stderr=subprocess.PIPE)
    try:
        _wait_port(server.imap_port)
        _wait_port(server.pop3_port)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(d, ignore_errors=True)


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[dict] = field(default_factory=list)


class _Recorder:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        self.sink.messages.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "raw": bytes(envelope.original_content or envelope.content),
            }
        )
        return "250 OK"


@pytest.fixture
def smtp_sink():
    """An aiosmtpd server on 127.0.0.1 recording envelopes and raw messages."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(host="127.0.0.1", port=free_port())
    controller = Controller(_Recorder(sink), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class HttpSink:
    url: str
    requests: list[dict] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def http_sink():
    """A tiny HTTP server recording POSTed JSON bodies (for webhooks)."""
    sink = HttpSink(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = json.loads(body or b"null")
            except ValueError:
                payload = None
            sink.requests.append(
                {"path": self.path, "headers": dict(self.headers), "json": payload, "body": body}
            )
            self.send_response(sink.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class Trap:
    """A socket listening on host:port that should never be reached: connected() tells
    whether anything opened a connection to it."""

    host: str
    port: int
    sock: socket.socket

    def connected(self) -> bool:
        self.sock.setblocking(False)
        try:
            conn, _addr = self.sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True


@pytest.fixture
def trap():
    """trap(host="127.0.0.1") -> a listening Trap on a free port of host (any 127.x.y.z)."""
    socks = []

    def _trap(host="127.0.0.1"):
        sock = socket.socket()
        sock.bind((host, free_port() if host == "127.0.0.1" else 0))
        sock.listen(8)
        socks.append(sock)
        return Trap(host, sock.getsockname()[1], sock)

    yield _trap
    for sock in socks:
        sock.close()


# Every socket.connect of the process, recorded while a test watches (an audit hook, added once).
_connects: list[tuple] | None = None
_hooked: list[bool] = []


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect" and _connects is not None:
        _connects.append(args[1])


@pytest.fixture
def connect_attempts():
    """The addresses this process tried to connect to during the test (socket.connect)."""
    global _connects
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked.append(True)
    _connects = []
    try:
        yield _connects
    finally:
        _connects = None


@pytest.fixture
def redirecting_server():
    """An HTTP server on 127.0.0.1 answering every POST with 302 to server.location."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(302)
            self.send_header("Location", httpd.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.location = ""
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
