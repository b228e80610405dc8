"""The guarded outgoing client (core/net.py): internal addresses refused before any connection,
a named internal host allowed by the admin setting only, the checked address connected to (no
second lookup), no redirect followed, and errors that never repeat what the remote end said."""

import socket
import ssl
import subprocess
import threading
import time

import pytest

from core import net
from tests.servers.fixtures import free_port

# Hosts as they are typed in a URL or a mailbox form, each on an internal network.
INTERNAL = [
    "127.0.0.1",
    "0.0.0.0",  # noqa: S104 - Linux connects this to the machine itself
    "::1",
    "::ffff:127.0.0.1",  # IPv4-mapped IPv6
    "::127.0.0.1",  # IPv4-compatible IPv6
    "169.254.169.254",  # cloud metadata
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "fd00::1",  # unique local
    "fe80::1",  # link-local
    "::",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
    "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
    "localhost",
]


def url_of(host: str, port: int, scheme: str = "http") -> str:
    return f"{scheme}://[{host}]:{port}/hook" if ":" in host else f"{scheme}://{host}:{port}/hook"


@pytest.mark.parametrize("host", INTERNAL)
def test_internal_addresses_are_refused_before_any_connection(host, trap, connect_attempts):
    target = trap()
    with pytest.raises(net.RefusedAddress):
        net.check_host(host, target.port)
    with pytest.raises(net.RefusedAddress) as refused:
        net.post_json(url_of(host, target.port), {"text": "hello"})
    assert str(refused.value) == str(net.RefusedAddress.message)
    assert refused.value.permanent
    assert [a for a in connect_attempts if a[1] == target.port] == []
    assert not target.connected()


def test_a_name_resolving_to_an_internal_address_is_refused(dns, trap, connect_attempts):
    target = trap()
    dns["intranet.example.test"] = ["127.0.0.1"]
    dns["half.example.test"] = ["93.184.216.34", "10.1.2.3"]  # one bad answer is enough
    for name in ("intranet.example.test", "half.example.test"):
        with pytest.raises(net.RefusedAddress):
            net.post_json(url_of(name, target.port), {"text": "hello"})
    assert connect_attempts == [] and not target.connected()


def test_a_public_address_passes_the_check(dns, connect_attempts):
    dns["hooks.chat.test"] = ["93.184.216.34"]
    assert net.check_host("hooks.chat.test", 443) == [(socket.AF_INET, ("93.184.216.34", 443))]
    net.check_url("https://hooks.chat.test/services/T0/B0/x")
    assert net.check_host("93.184.216.34", 80)[0][1][:2] == ("93.184.216.34", 80)
    assert net.check_host("2606:2800:220:1:248:1893:25c8:1946", 443)
    assert connect_attempts == []  # checking connects to nothing


def test_other_schemes_and_unresolvable_names_are_refused():
    for url in ("ftp://93.184.216.34/x", "file:///etc/passwd", "gopher://x", "http:///x", ""):
        with pytest.raises(net.RefusedAddress):
            net.check_url(url)
    with pytest.raises(net.CouldNotResolve):
        net.check_host("nowhere.invalid", 80)


def test_an_internal_host_allowed_by_name_is_reached_at_the_checked_address(
    dns, settings, http_sink, monkeypatch
):
    port = int(http_sink.url.rsplit(":", 1)[1].split("/")[0])
    dns["chat.intranet.test"] = ["127.0.0.1"]
    settings.HELPDESK_ALLOWED_INTERNAL_HOSTS = ["chat.intranet.test"]
    lookups = []
    resolve = net.resolve
    monkeypatch.setattr(net, "resolve", lambda h, p: lookups.append(h) or resolve(h, p))

    assert net.post_json(f"http://chat.intranet.test:{port}/hook?x=1", {"text": "hi"}) == 200
    [request] = http_sink.requests
    assert request["json"] == {"text": "hi"} and request["path"] == "/hook?x=1"
    assert request["headers"]["Host"] == f"chat.intranet.test:{port}"  # the name, not the IP
    assert lookups == ["chat.intranet.test"]  # one lookup: what was checked is what is reached
    # The setting names hosts: another name for the same address is still refused.
    with pytest.raises(net.RefusedAddress):
        net.post_json(f"http://127.0.0.1:{port}/hook", {"text": "hi"})
    assert len(http_sink.requests) == 1


def test_a_redirect_is_not_followed(allow_local_servers, redirecting_server, trap):
    target = trap("127.0.0.2")
    redirecting_server.location = f"http://127.0.0.2:{target.port}/latest/meta-data/"
    port = redirecting_server.server_address[1]
    with pytest.raises(net.Redirected) as redirected:
        net.post_json(f"http://127.0.0.1:{port}/hook", {"text": "hi"})
    assert str(redirected.value) == str(net.Redirected.message)
    assert "127.0.0.2" not in str(redirected.value)
    assert not target.connected()


@pytest.fixture
def talking_server():
    """A TCP server on 127.0.0.1 sending server.reply to each connection (or nothing)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", free_port()))
    sock.listen(8)
    server = type("Server", (), {"port": sock.getsockname()[1], "reply": b""})()
    stop = threading.Event()

    def serve():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.recv(65536)
                if server.reply:
                    conn.sendall(server.reply)
                else:
                    stop.wait(3)  # never answers

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(5)
        sock.close()


def test_errors_never_repeat_what_the_remote_end_said(allow_local_servers, talking_server):
    url = f"http://127.0.0.1:{talking_server.port}/hook"
    talking_server.reply = b"HTTP/1.1 500 SECRET-REASON\r\nContent-Length: 11\r\n\r\nSECRET-BODY"
    with pytest.raises(net.HTTPStatus) as failed:
        net.post_json(url, {})
    assert failed.value.code == 500 and not failed.value.permanent
    assert "500" in str(failed.value) and "SECRET" not in str(failed.value)
    talking_server.reply = b"SSH-2.0-OpenSSH_9.2 SECRET-BANNER\r\n"
    with pytest.raises(net.OutgoingError) as failed:
        net.post_json(url, {})
    assert "SECRET" not in str(failed.value)


def test_a_silent_server_times_out(allow_local_servers, talking_server):
    started = time.monotonic()
    with pytest.raises(net.TimedOut):
        net.post_json(f"http://127.0.0.1:{talking_server.port}/hook", {}, read_timeout=0.5)
    assert time.monotonic() - started < 3


def test_refused_connections_and_tls_failures_have_their_own_message(
    allow_local_servers, http_sink
):
    with pytest.raises(net.ConnectionRefused):
        net.post_json(f"http://127.0.0.1:{free_port()}/hook", {})
    # The sink speaks plain HTTP: a TLS handshake with it fails.
    with pytest.raises(net.TLSError):
        net.post_json(http_sink.url.replace("http://", "https://"), {})
    assert http_sink.requests == []


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """A TLS server on 127.0.0.1 with a certificate for mail.intranet.test, trusted by this
    test (SSL_CERT_FILE); it says hello and records the name each client asked for (SNI)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=mail.intranet.test"),
            *("-addext", "subjectAltName=DNS:mail.intranet.test"),
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = type("Server", (), {"names": []})
    context.sni_callback = lambda _sock, name, _ctx: server.names.append(name)
    sock = socket.socket()
    sock.bind(("127.0.0.1", free_port()))
    sock.listen(8)
    sock.settimeout(0.2)
    server.port = sock.getsockname()[1]
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"hello\r\n")
            except OSError:
                conn.close()  # the client refused our certificate

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(5)
        sock.close()


def test_tls_checks_the_name_while_connected_to_the_checked_address(dns, settings, tls_server):
    dns["mail.intranet.test"] = dns["other.intranet.test"] = ["127.0.0.1"]
    settings.HELPDESK_ALLOWED_INTERNAL_HOSTS = ["mail.intranet.test", "other.intranet.test"]
    with net.connect("mail.intranet.test", tls_server.port, tls=True) as sock:
        assert sock.getpeername()[0] == "127.0.0.1"
        assert sock.recv(100) == b"hello\r\n"
    assert tls_server.names == ["mail.intranet.test"]
    # Same address, another name: the certificate does not match it.
    with pytest.raises(net.TLSError):
        net.connect("other.intranet.test", tls_server.port, tls=True)
