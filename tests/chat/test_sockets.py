"""The chat's WebSockets, through the real ASGI application (origin check, session login,
second factor) and the configured channel layer: Redis in the PostgreSQL + Redis CI run
(REDIS_URL), in-memory otherwise. Pushes happen after commit: these tests use transactional_db.
"""

import threading

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection, transaction

from chat import selectors, services
from chat.errors import ChatClosed
from chat.models import Chat, Message

from .conftest import communicator, run_async

pytestmark = pytest.mark.django_db(transaction=True)


async def _receive_until(comm, kind, timeout=3):
    """Messages received until one of type kind (returned last)."""
    seen = []
    while True:
        data = await comm.receive_json_from(timeout=timeout)
        seen.append(data)
        if data["type"] == kind:
            return seen


def _bodies(events):
    return [e["message"]["body"] for e in events if e["type"] == "message"]


def test_client_and_agent_talk_live_and_messages_are_stored_in_order(make_chat, client_a, on_duty):
    chat = make_chat(client_a)
    services.take_chat(actor=on_duty, chat=chat)

    client_ws = communicator(f"/ws/chat/{chat.pk}/", client_a)
    agent_ws = communicator(f"/ws/chat/{chat.pk}/", on_duty)

    async def scenario():
        assert (await client_ws.connect())[0]
        assert (await agent_ws.connect())[0]
        for ws in (client_ws, agent_ws):
            await ws.send_json_to({"type": "hello", "last_seq": 0})
            history = await _receive_until(ws, "state")
            assert _bodies(history)[0].startswith("Bonjour")
            assert history[-1]["status"] == "active"
        got = []
        for sender, body in (
            (agent_ws, "Avez-vous redémarré ?"),
            (client_ws, "Oui, deux fois."),
            (agent_ws, "<script>alert(1)</script>"),
        ):
            await sender.send_json_to({"type": "message", "body": body})
            got.append((await client_ws.receive_json_from(timeout=3))["message"])
            echo = await agent_ws.receive_json_from(timeout=3)  # both sides get every message
            assert echo["message"] == got[-1]
        await client_ws.disconnect()
        await agent_ws.disconnect()
        return got

    got = run_async(scenario)
    assert [m["body"] for m in got] == [
        "Avez-vous redémarré ?",
        "Oui, deux fois.",
        "<script>alert(1)</script>",  # plain text: the page inserts it with textContent
    ]
    assert got[0]["author_id"] == on_duty.pk and got[1]["author_id"] == client_a.pk
    stored = list(Message.objects.filter(chat=chat).values_list("body", "seq"))
    assert [b for b, _ in stored][-3:] == [m["body"] for m in got]
    assert [n for _, n in stored] == list(range(1, len(stored) + 1))  # numbered without gaps
    assert [m["seq"] for m in got] == [n for _, n in stored][-3:]


def test_a_dropped_client_reconnects_and_gets_what_it_missed(make_chat, client_a, on_duty):
    chat = make_chat(client_a)
    services.take_chat(actor=on_duty, chat=chat)

    ws = communicator(f"/ws/chat/{chat.pk}/", client_a)

    async def first_visit():
        await ws.connect()
        await ws.send_json_to({"type": "hello", "last_seq": 0})
        seen = await _receive_until(ws, "state")
        await ws.disconnect()  # the connection drops
        return max(e["message"]["seq"] for e in seen if e["type"] == "message")

    last_seen = run_async(first_visit)
    # While the client is away, the agent answers twice.
    services.post_message(actor=on_duty, chat=chat, body="Je regarde votre poste.")
    services.post_message(actor=on_duty, chat=chat, body="C'est réparé.")

    ws = communicator(f"/ws/chat/{chat.pk}/", client_a)

    async def back():
        await ws.connect()
        await ws.send_json_to({"type": "hello", "last_seq": last_seen})
        seen = await _receive_until(ws, "state")
        await ws.disconnect()
        return seen

    assert _bodies(run_async(back)) == ["Je regarde votre poste.", "C'est réparé."]


def test_two_agents_racing_to_take_a_chat_one_wins(make_chat, client_a, on_duty, agent_l2):
    chat = make_chat(client_a)
    services.set_availability(actor=agent_l2, available=True)
    barrier = threading.Barrier(2)
    results = {}

    def take(agent):
        try:
            barrier.wait(timeout=5)
            services.take_chat(actor=agent, chat=Chat.objects.get(pk=chat.pk))
            results[agent.pk] = "won"
        except ChatClosed:
            results[agent.pk] = "refused"
        except Exception as exc:
            results[agent.pk] = repr(exc)
        finally:
            close_old_connections()

    if connection.vendor == "postgresql":
        # Truly at the same moment: two threads, two connections, released together.
        threads = [threading.Thread(target=take, args=(a,)) for a in (on_duty, agent_l2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    else:
        # SQLite's shared in-memory test database refuses a second concurrent writer outright
        # ("table is locked") instead of waiting: both agents loaded the waiting chat, then
        # click Take one after the other, each with the row they saw.
        seen = [Chat.objects.get(pk=chat.pk) for _ in range(2)]
        for agent, row in zip((on_duty, agent_l2), seen, strict=True):
            try:
                services.take_chat(actor=agent, chat=row)
                results[agent.pk] = "won"
            except ChatClosed:
                results[agent.pk] = "refused"
    assert sorted(results.values()) == ["refused", "won"]
    chat.refresh_from_db()
    winner = next(pk for pk, result in results.items() if result == "won")
    assert chat.status == Chat.Status.ACTIVE and chat.agent_id == winner
    joined = Message.objects.filter(chat=chat, kind=Message.Kind.SYSTEM)
    assert joined.count() == 1  # one "has joined" line, not two


def test_a_client_cannot_join_another_clients_chat_socket(make_chat, client_a, client_b, sales):
    chat = make_chat(client_a, body="Mon code confidentiel est 1234")

    async def try_join(ws):
        connected, code = await ws.connect()
        leaked = None
        if connected:
            await ws.send_json_to({"type": "hello", "last_seq": 0})
            leaked = await ws.receive_json_from(timeout=2)
        elif not await ws.receive_nothing(timeout=0.2):
            leaked = "something"
        await ws.disconnect()
        return connected, code, leaked

    for outsider in (client_b, None):
        connected, _code, leaked = run_async(
            try_join, communicator(f"/ws/chat/{chat.pk}/", outsider)
        )
        assert not connected and leaked is None
    # Logged in but without the second factor: refused as pages refuse.
    connected, _code, _ = run_async(
        try_join, communicator(f"/ws/chat/{chat.pk}/", client_a, verified=False)
    )
    assert not connected
    # A page of another site may not open a socket with the client's cookies.
    connected, _code, _ = run_async(
        try_join, communicator(f"/ws/chat/{chat.pk}/", client_a, origin=b"http://evil.example")
    )
    assert not connected
    # A missing chat answers exactly like a hidden one.
    ws = communicator("/ws/chat/999999/", client_a)

    async def missing():
        connected, code = await ws.connect()
        return connected, code

    assert run_async(missing) == (False, 4403)
    # The owner gets in.
    connected, _code, first = run_async(try_join, communicator(f"/ws/chat/{chat.pk}/", client_a))
    assert connected and first["message"]["body"] == "Mon code confidentiel est 1234"


def test_a_client_cannot_write_into_another_clients_chat_or_a_waiting_agent_chat(
    make_chat, client_a, client_b, on_duty
):
    chat = make_chat(client_a)

    ws = communicator(f"/ws/chat/{chat.pk}/", on_duty)  # agents see it, not yet taken

    async def scenario():
        assert (await ws.connect())[0]
        await ws.send_json_to({"type": "message", "body": "Je m'incruste"})
        reply = await ws.receive_json_from(timeout=3)
        await ws.disconnect()
        return reply

    assert run_async(scenario) == {"type": "error", "ref": None, "message": "refused"}
    assert not Message.objects.filter(body="Je m'incruste").exists()


def test_the_other_side_sees_typing_and_hostile_messages_are_refused(make_chat, client_a, on_duty):
    chat = make_chat(client_a)
    services.take_chat(actor=on_duty, chat=chat)

    client_ws = communicator(f"/ws/chat/{chat.pk}/", client_a)
    agent_ws = communicator(f"/ws/chat/{chat.pk}/", on_duty)

    async def scenario():
        await client_ws.connect()
        await agent_ws.connect()
        await agent_ws.send_json_to({"type": "typing"})
        typing = await client_ws.receive_json_from(timeout=3)
        assert await agent_ws.receive_nothing(timeout=0.3)  # not echoed to the typist
        await client_ws.send_json_to({"type": "message", "body": "x" * 5000})
        too_long = await client_ws.receive_json_from(timeout=3)
        await client_ws.send_json_to({"type": "message", "body": "a\x00b"})
        nul = await client_ws.receive_json_from(timeout=3)
        await client_ws.send_json_to(["not", "an", "object"])
        await client_ws.send_json_to({"type": "message", "body": 12})
        assert await client_ws.receive_nothing(timeout=0.3)
        await client_ws.disconnect()
        await agent_ws.disconnect()
        return typing, too_long, nul

    typing, too_long, nul = run_async(scenario)
    assert typing == {"type": "typing", "name": "Alan Agent"}
    assert too_long["type"] == "error" and "4000" in too_long["message"]
    assert nul["type"] == "error"
    assert Message.objects.filter(chat=chat).count() == 2  # first message + "has joined"


def test_agents_get_the_waiting_count_per_level_live_and_clients_are_refused(
    always_open, on_duty, client_a
):
    refused = communicator("/ws/chat/queue/", client_a)
    ws = communicator("/ws/chat/queue/", on_duty)

    async def scenario():
        assert not (await refused.connect())[0]
        assert (await ws.connect())[0]
        first = await ws.receive_json_from(timeout=3)
        start = database_sync_to_async(services.start_chat)
        await start(actor=client_a, subject="", body="Bonjour")
        one = await ws.receive_json_from(timeout=3)
        chat = await start(actor=client_a, subject="", body="Encore moi")
        await ws.receive_json_from(timeout=3)
        await database_sync_to_async(services.take_chat)(actor=on_duty, chat=chat)
        await ws.receive_json_from(timeout=3)  # taken: one waiting again
        await database_sync_to_async(services.transfer_chat)(actor=on_duty, chat=chat, level=2)
        to_level_2 = await ws.receive_json_from(timeout=3)
        await ws.disconnect()
        return first, one, to_level_2

    first, one, to_level_2 = run_async(scenario)
    assert first == {"type": "queue", "count": 0, "levels": {"1": 0, "2": 0, "3": 0}}
    assert one == {"type": "queue", "count": 1, "levels": {"1": 1, "2": 0, "3": 0}}
    assert to_level_2 == {"type": "queue", "count": 2, "levels": {"1": 1, "2": 1, "3": 0}}


def test_the_agent_receiving_a_transfer_is_alerted_at_once_and_only_them(
    make_chat, client_a, on_duty, agent_l2, admin
):
    chat = make_chat(client_a)
    services.take_chat(actor=on_duty, chat=chat)
    services.set_availability(actor=agent_l2, available=True)
    receiver = communicator("/ws/chat/queue/", agent_l2)
    bystander = communicator("/ws/chat/queue/", admin)

    async def scenario():
        for ws in (receiver, bystander):
            assert (await ws.connect())[0]
            await ws.receive_json_from(timeout=3)  # the counts
        await database_sync_to_async(services.transfer_chat)(
            actor=on_duty, chat=chat, to_agent=agent_l2
        )
        alert = await receiver.receive_json_from(timeout=3)
        nothing = await bystander.receive_nothing(timeout=0.5)
        for ws in (receiver, bystander):
            await ws.disconnect()
        return alert, nothing

    alert, nothing = run_async(scenario)
    assert alert == {
        "type": "assigned",
        "chat": chat.pk,
        "subject": "Imprimante en panne",
        "person": "Chloé Alpha",
        "by": "Alan Agent",
        "url": f"/chat/{chat.pk}/",
    }
    assert nothing


def test_messages_written_at_the_same_moment_are_numbered_in_commit_order_so_a_reconnect_skips_none(
    make_chat, client_a, on_duty
):
    """On PostgreSQL two writers used to take ids 10 and 11 and could commit 11 first: a browser
    reconnecting in that gap asked for "after 11" and never got 10. The number (seq) is taken on
    the chat's row, so the second writer waits for the first one's commit."""
    chat = make_chat(client_a)
    services.take_chat(actor=on_duty, chat=chat)
    before = Chat.objects.get(pk=chat.pk).last_seq
    if connection.vendor != "postgresql":
        # SQLite takes one writer at a time: numbers follow the writes.
        services.post_message(actor=client_a, chat=chat, body="A")
        services.post_message(actor=on_duty, chat=chat, body="B")
    else:
        first_stored, release = threading.Event(), threading.Event()
        second_done = threading.Event()

        def first_writer():  # stored, not yet committed, while the second one writes
            try:
                with transaction.atomic():
                    services.post_message(actor=client_a, chat=chat, body="A", push_after=False)
                    first_stored.set()
                    release.wait(5)
            finally:
                close_old_connections()

        def second_writer():
            try:
                services.post_message(actor=on_duty, chat=chat, body="B", push_after=False)
                second_done.set()
            finally:
                close_old_connections()

        threads = [threading.Thread(target=first_writer), threading.Thread(target=second_writer)]
        threads[0].start()
        assert first_stored.wait(5)
        threads[1].start()
        # The second writer waits for the first one's commit: nothing is visible yet, so a
        # browser reconnecting now asks again later for "after `before`" and misses nothing.
        assert not second_done.wait(0.5)
        assert selectors.messages_after(chat.pk, before) == []
        release.set()
        for thread in threads:
            thread.join(10)
        assert second_done.is_set()
    caught_up = selectors.messages_after(chat.pk, before)
    assert [(m.body, m.seq) for m in caught_up] == [("A", before + 1), ("B", before + 2)]
    assert Chat.objects.get(pk=chat.pk).last_seq == before + 2


def test_a_message_refused_takes_no_number(make_chat, client_a, client_b, on_duty):
    chat = make_chat(client_a)
    services.take_chat(actor=on_duty, chat=chat)
    before = Chat.objects.get(pk=chat.pk).last_seq
    with pytest.raises(PermissionDenied):
        services.post_message(actor=client_b, chat=chat, body="intrus")
    services.post_message(actor=client_a, chat=chat, body="suite")
    assert list(Message.objects.filter(chat=chat, seq__gt=before).values_list("seq", "body")) == [
        (before + 1, "suite")
    ]
