"""Live chat under load: N open chats, each client writing one message a second; the time from
a client's send to its delivery on the agent's socket (median, p95, p99).

Usage (PostgreSQL and Redis as production; without REDIS_URL the in-memory layer of the one
daphne process is used):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \
    REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python benchmarks/chat_load.py --chats 200 --seconds 30

It migrates, creates N client users (demo accounts: no second factor) with one chat each,
already taken by one agent, and their sessions; starts daphne (helpdesk.asgi) on 127.0.0.1;
opens one socket per client and one agent socket per chat (2N WebSockets, a minimal RFC 6455
client below: no extra dependency); each client sends a message a second (random phase), whose
body is its send time; the agent side measures when it arrives. Every message is stored before
it is pushed, so each delivery includes the INSERT. Bounded: --seconds, then it stops.
"""

import argparse
import asyncio
import base64
import json
import os
import random
import socket
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")


def setup(chats: int) -> tuple[list[tuple[int, str]], str]:
    """[(chat id, client session cookie)], the agent's session cookie."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from accounts import roles
    from accounts.models import Organization, User
    from chat.models import Chat, Message

    call_command("migrate", "--noinput", verbosity=0)
    org, _ = Organization.objects.get_or_create(name="Chat bench")
    agent, _ = User.objects.get_or_create(
        email="bench-agent@chat.test", defaults={"first_name": "Bench", "is_demo": True}
    )
    roles.grant(agent, [roles.Code.AGENT], support_level=3)

    def session(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    out = []
    now = timezone.now()
    for i in range(chats):
        client, created = User.objects.get_or_create(
            email=f"bench-client-{i}@chat.test",
            defaults={"organization": org, "is_demo": True, "first_name": f"Client {i}"},
        )
        if created:
            roles.grant(client, [roles.Code.CLIENT_USER])
        chat = Chat.objects.create(
            client=client,
            organization=org,
            subject=f"Bench {i}",
            status=Chat.Status.ACTIVE,
            agent=agent,
            taken_at=now,
            last_seq=1,
        )
        Message.objects.create(chat=chat, author=client, body="start", seq=1)
        out.append((chat.pk, session(client)))
    return out, session(agent)


class Socket:
    """A minimal WebSocket client (text frames, masked as RFC 6455 requires of clients)."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, path: str, cookie: str) -> "Socket":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n"
                f"Cookie: {cookie}\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"refused: {head[:80]!r}")
        return cls(reader, writer)

    async def send(self, payload: dict) -> None:
        data = json.dumps(payload).encode()
        mask = os.urandom(4)
        header = bytearray([0x81])
        if len(data) < 126:
            header.append(0x80 | len(data))
        elif len(data) < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(data))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(data))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.writer.write(bytes(header) + mask + masked)
        await self.writer.drain()

    async def receive(self) -> dict | None:
        while True:
            first, second = await self.reader.readexactly(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
            data = await self.reader.readexactly(length)
            opcode = first & 0x0F
            if opcode == 0x8:
                return None
            if opcode == 0x1:
                return json.loads(data)

    def close(self) -> None:
        self.writer.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def run(port: int, chats, agent_cookie: str, seconds: float, warmup: float):
    latencies: list[float] = []
    sent = {"n": 0}
    start = time.monotonic()
    measure_from = time.time() + 2 + warmup  # wall clock: message bodies carry time.time()
    stop_at = start + 2 + warmup + seconds
    opening = asyncio.Semaphore(8)  # handshakes at a time, as browsers arriving over time
    retries = {"n": 0}

    async def connect(path, cookie):
        async with opening:
            for attempt in range(5):
                try:
                    return await Socket.open(port, path, cookie)
                except (ConnectionError, asyncio.IncompleteReadError):
                    retries["n"] += 1
                    await asyncio.sleep(0.5 * (attempt + 1))
            raise RuntimeError(f"could not open {path}")

    async def agent_side(chat_id: int):
        ws = await connect(f"/ws/chat/{chat_id}/", agent_cookie)
        try:
            while time.monotonic() < stop_at + 2:
                event = await asyncio.wait_for(ws.receive(), timeout=stop_at + 2 - time.monotonic())
                if event and event.get("type") == "message":
                    body = event["message"]["body"]
                    if body.startswith("t="):
                        t = float(body[2:])
                        if t >= measure_from:
                            latencies.append(time.time() - t)
        except (TimeoutError, asyncio.IncompleteReadError):
            pass
        finally:
            ws.close()

    async def client_side(chat_id: int, cookie: str):
        ws = await connect(f"/ws/chat/{chat_id}/", cookie)
        drain = asyncio.create_task(_drain(ws))
        await asyncio.sleep(random.random())
        next_at = time.monotonic()
        while time.monotonic() < stop_at:
            now = time.time()
            await ws.send({"type": "message", "body": f"t={now:.6f}"})
            if now >= measure_from:
                sent["n"] += 1
            next_at += 1.0
            await asyncio.sleep(max(0, next_at - time.monotonic()))
        drain.cancel()
        ws.close()

    async def _drain(ws):
        try:
            while await ws.receive() is not None:
                pass
        except (asyncio.CancelledError, asyncio.IncompleteReadError):
            pass

    agents = [asyncio.create_task(agent_side(chat_id)) for chat_id, _ in chats]
    await asyncio.gather(*[asyncio.sleep(0)])
    while opening.locked() or (len(chats) and time.monotonic() < start + 2):
        await asyncio.sleep(0.1)
    clients = [asyncio.create_task(client_side(chat_id, cookie)) for chat_id, cookie in chats]
    await asyncio.gather(*clients)
    await asyncio.gather(*agents, return_exceptions=True)
    print(f"sockets opened in {time.monotonic() - start:.1f} s, {retries['n']} handshakes retried")
    return latencies, sent["n"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    args = parser.parse_args()
    chats, agent_cookie = setup(args.chats)
    port = free_port()
    env = {**os.environ, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "helpdesk.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "var" / "chat_load_daphne.log", "w"),  # noqa: SIM115
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        latencies, sent = asyncio.run(run(port, chats, agent_cookie, args.seconds, args.warmup))
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:  # busy with the connections still open
            server.kill()
            server.wait()
    latencies.sort()
    if not latencies:
        print("no message delivered")
        return 1
    quantiles = statistics.quantiles(latencies, n=100)
    layer = "redis" if os.environ.get("REDIS_URL") else "in-memory"
    engine = "postgresql" if "postgres" in os.environ.get("DATABASE_URL", "") else "sqlite"
    print(
        f"{args.chats} chats, 1 msg/s each, {args.seconds:.0f} s measured "
        f"({engine}, {layer} layer)\n"
        f"sent {sent}, delivered {len(latencies)} ({len(latencies) / max(sent, 1):.1%})\n"
        f"delivery ms: median {statistics.median(latencies) * 1000:.1f}  "
        f"p95 {quantiles[94] * 1000:.1f}  p99 {quantiles[98] * 1000:.1f}  "
        f"max {latencies[-1] * 1000:.1f}"
    )
    return 0 if quantiles[94] < 0.3 else 2


if __name__ == "__main__":
    sys.exit(main())
