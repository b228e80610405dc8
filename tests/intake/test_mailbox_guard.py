"""Mailboxes cannot reach the helpdesk's own network: an internal host is refused on save (the
form says why and keeps what was typed), "Test connection" and the poller refuse it before any
connection, and what a mail server says (its greeting, its refusal) never reaches the page."""

import socket
import threading

import pytest
from django.urls import reverse

from core import net
from intake.fetch import LoginRefused, MailServerError
from intake.forms import REFUSED_HOST
from intake.models import Mailbox
from intake.services import poll_mailbox
from tests.servers.fixtures import free_port
from tests.tickets.conftest import _english  # noqa: F401

pytestmark = pytest.mark.usefixtures("ref_data")

INTERNAL = [
    "127.0.0.1",
    "0.0.0.0",  # noqa: S104
    "::1",
    "::ffff:127.0.0.1",
    "169.254.169.254",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "fd00::1",
    "localhost",
    "mail.intranet.test",  # resolves to 127.0.0.1 (the dns fixture)
]


@pytest.fixture
def target(trap, dns):
    """A listening socket on 127.0.0.1 that no test here may reach."""
    dns["mail.intranet.test"] = ["127.0.0.1"]
    return trap()


def make_box(host, port, protocol="imap", username="support", password="pa55-w0rd"):  # noqa: S107
    return Mailbox.objects.create(
        name="Support",
        email_address="support@helpdesk.test",
        protocol=protocol,
        host=host,
        port=port,
        use_tls=False,
        username=username,
        password=password,
    )


def press_test_connection(client, box):
    response = client.post(reverse("intake:mailbox-test", args=[box.pk]), follow=True)
    return response.content.decode()


@pytest.mark.parametrize("host", INTERNAL)
def test_an_internal_mail_host_is_refused_on_save_and_kept_in_the_form(
    login, admin, host, target, connect_attempts
):
    data = {
        "name": "Support",
        "email_address": "support@helpdesk.test",
        "protocol": "imap",
        "host": host,
        "port": target.port,
        "folder": "INBOX",
        "username": "support",
        "password": "pa55-w0rd",
        "interval_minutes": 5,
        "is_active": "on",
    }
    response = login(admin).post(reverse("intake:mailbox-new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_host_error"' in page and str(REFUSED_HOST) in page
    assert f'value="{host}"' in page and 'value="Support"' in page
    assert not Mailbox.objects.exists()
    assert [a for a in connect_attempts if a[1] == target.port] == []


def test_a_public_mail_host_is_saved(login, admin, dns):
    dns["imap.mail.test"] = ["93.184.216.34"]
    data = {
        "name": "Support",
        "email_address": "support@helpdesk.test",
        "protocol": "imap",
        "host": "imap.mail.test",
        "port": 993,
        "use_tls": "on",
        "folder": "INBOX",
        "username": "support",
        "password": "pa55-w0rd",
        "interval_minutes": 5,
        "is_active": "on",
    }
    response = login(admin).post(reverse("intake:mailbox-new"), data)
    assert response.status_code == 302 and Mailbox.objects.get().host == "imap.mail.test"


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
@pytest.mark.parametrize("host", INTERNAL)
def test_test_connection_and_polling_refuse_an_internal_host_without_connecting(
    login, admin, host, protocol, target, connect_attempts
):
    box = make_box(host, target.port, protocol)  # saved before the guard, or by a script
    page = press_test_connection(login(admin), box)
    assert str(net.RefusedAddress.message) in page
    report = poll_mailbox(box)
    assert report.error == str(net.RefusedAddress.message) == box.last_error
    assert [a for a in connect_attempts if a[1] == target.port] == []
    assert not target.connected()


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_test_connection_to_the_allowed_dovecot_works(
    login, admin, dovecot, allow_local_servers, protocol
):
    port = dovecot.imap_port if protocol == "imap" else dovecot.pop3_port
    box = make_box("127.0.0.1", port, protocol, dovecot.username, dovecot.password)
    page = press_test_connection(login(admin), box)
    assert "Connection to support@helpdesk.test works." in page and "failed" not in page


@pytest.fixture
def chatty_server():
    """A TCP server on 127.0.0.1 greeting with server.greeting and answering each line with
    the first of server.answers [(word in the line, answer)] that matches ("{tag}" replaced
    by the line's first word, as IMAP tags its answers)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", free_port()))
    sock.listen(8)
    server = type("Server", (), {"port": sock.getsockname()[1], "greeting": b"", "answers": []})
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
            with conn, conn.makefile("rb") as lines:
                conn.settimeout(5)
                try:
                    conn.sendall(server.greeting)
                    for line in lines:
                        tag = line.split(b" ", 1)[0]
                        for word, answer in server.answers:
                            if word in line:
                                conn.sendall(answer.replace(b"{tag}", tag))
                                break
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(10)
        sock.close()


SERVERS = {
    # Not a mail server at all: the helpdesk as a port scanner must learn nothing.
    "ssh": ("imap", b"SSH-2.0-OpenSSH_9.2p1 SECRET-BANNER-ssh\r\n", [], MailServerError),
    "imap refusing the login": (
        "imap",
        b"* OK SECRET-BANNER-imap ready\r\n",
        [
            (b"CAPABILITY", b"* CAPABILITY IMAP4rev1 SECRET-CAPABILITY\r\n{tag} OK done\r\n"),
            (b"LOGIN", b"{tag} NO [AUTHENTICATIONFAILED] SECRET-REFUSAL-imap\r\n"),
        ],
        LoginRefused,
    ),
    "pop3 refusing at once": ("pop3", b"-ERR SECRET-BANNER-pop3 go away\r\n", [], MailServerError),
    "pop3 refusing the login": (
        "pop3",
        b"+OK SECRET-BANNER-pop3 ready\r\n",
        [(b"USER", b"+OK SECRET-go-on\r\n"), (b"PASS", b"-ERR SECRET-REFUSAL-pop3\r\n")],
        LoginRefused,
    ),
}


@pytest.mark.parametrize("kind", SERVERS)
def test_what_the_server_says_never_reaches_the_page(
    login, admin, allow_local_servers, chatty_server, kind
):
    protocol, chatty_server.greeting, chatty_server.answers, error = SERVERS[kind]
    box = make_box("127.0.0.1", chatty_server.port, protocol)
    page = press_test_connection(login(admin), box)
    assert str(error.message) in page
    assert "SECRET" not in page and "OpenSSH" not in page
    report = poll_mailbox(box)
    assert report.error == str(error.message) and "SECRET" not in box.last_error


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_tls_to_a_server_without_tls_fails_with_the_tls_message(
    login, admin, dovecot, allow_local_servers, protocol
):
    port = dovecot.imap_port if protocol == "imap" else dovecot.pop3_port
    box = make_box("127.0.0.1", port, protocol, dovecot.username, dovecot.password)
    Mailbox.objects.filter(pk=box.pk).update(use_tls=True)
    page = press_test_connection(login(admin), box)
    assert str(net.TLSError.message) in page and "Dovecot" not in page
