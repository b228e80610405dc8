"""A ticket holding a 1,000,000-character word and a long text: the page loads quickly in
Chromium for the agent and the client, long words wrap inside the page (nothing wider than the
window), and the long text is folded after its start, the rest shown on demand."""

import time

from tickets import services


def test_a_huge_word_and_a_long_text_load_quickly_wrapped_and_folded(
    login_page, screenshot, live_server, client_a, agent
):
    long_text = "\n\n".join(
        f"Paragraphe {n} : l'export comptable échoue encore sur le serveur de production."
        for n in range(400)
    )
    description = "Voici le message d'erreur :\n\n" + "E" * 300 + "\n\n" + long_text
    ticket = services.create_ticket(
        actor=client_a, title="Export qui échoue", description=description
    )
    services.reply(actor=agent, ticket=ticket, body="x_" * 500_000)
    url = f"{live_server.url}/tickets/{ticket.number}/"
    for person, name in ((agent, "agent"), (client_a, "client")):
        page = login_page(person, width=1280, height=900)
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_load_state("load")
        elapsed = time.perf_counter() - start
        assert elapsed < 10, f"{name}: {elapsed:.1f} s"
        print(f"{name}: page loaded in {elapsed:.2f} s")
        # Nothing wider than the window: long words wrap.
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1]
        folded = page.locator("details.long-text")
        assert folded.count() == 2
        assert not folded.first.evaluate("d => d.open")
        screenshot(page, f"long_text_{name}", full_page=False)
    # On demand: the rest of the description unfolds.
    described = page.locator("#description details.long-text")
    described.locator("summary").click()
    assert described.evaluate("d => d.open")
    assert described.locator(".long-text-rest").inner_text().strip().endswith("production.")
    described.scroll_into_view_if_needed()
    screenshot(page, "long_text_unfolded", full_page=False)
    screenshot(page, "tickets_long_text")
    reply = page.locator(".timeline details.long-text")
    reply.scroll_into_view_if_needed()
    page.mouse.wheel(0, -500)
    screenshot(page, "long_text_long_word_reply", full_page=False)
