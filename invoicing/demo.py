"""Demo interventions and a billed month (seed_demo --showcase, after billing.demo): equipment of
the demo client, interventions on its tickets (two signed last month, one waiting for its
signature), last month's billing run issued (numbered invoices with their PDF), and last month's
statement, so a new user sees invoices and a statement. Written through invoicing.services."""

from __future__ import annotations

import datetime as dt
import io
import math
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organization, User
from tickets.models import Asset, Ticket

from . import documents, services
from .models import Intervention

WORK = [
    "Remplacement du disque système du poste comptable, restauration de la sauvegarde, tests OK.",
    "Mise à jour du firmware de l'imprimante réseau et reconfiguration du scan vers dossier.",
    "Diagnostic de la baie de brassage : câble défectueux remplacé, liaison rétablie.",
]


def _signature_png() -> bytes:
    """A drawn-looking signature (a few strokes), as the canvas would send it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [(20 + x * 3, 70 + 25 * math.sin(x / 6) * math.cos(x / 17)) for x in range(105)]
    draw.line(points, fill=(16, 36, 62, 255), width=3, joint="curve")
    draw.line([(60, 95), (300, 88)], fill=(16, 36, 62, 255), width=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed_showcase_invoicing(*, users: dict[str, User]) -> int:
    """Interventions, last month's invoices and statement; returns the invoices issued (0 when
    the demo organization has interventions already)."""
    org = Organization.objects.filter(external_source="demo", external_id="demo").first()
    if org is None or Intervention.objects.filter(organization=org).exists():
        return 0
    admin, agent = users["admin@demo.test"], users["agent@demo.test"]
    tickets = list(
        Ticket.objects.filter(organization=org)
        .exclude(type__code="evolution")
        .order_by("-number")[:3]
    )
    if not tickets:
        return 0
    assets = list(Asset.objects.filter(organization=org)[:2]) or [
        Asset.objects.create(organization=org, name="Poste comptable", reference="PC-0142"),
        Asset.objects.create(organization=org, name="Imprimante réseau", reference="HP-M479"),
    ]
    today = timezone.localdate()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    first = last_month_end.replace(day=1)
    signature = _signature_png()
    plans = [
        (first + dt.timedelta(days=8), "on_site", [("Disque SSD 1 To", "1", "119.90")], "45.00"),
        (first + dt.timedelta(days=19), "remote", [("Licence pilote", "2", "29.00")], "0"),
        (today, "on_site", [("Câble RJ45 Cat6 3 m", "4", "6.50")], "45.00"),
    ]
    for index, (day, place, supplies, travel) in enumerate(plans):
        ticket = tickets[index % len(tickets)]
        intervention = services.create_intervention(
            actor=agent,
            ticket=ticket,
            data={
                "starts_at": timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30))),
                "duration_minutes": 90,
                "place": place,
                "work_done": WORK[index],
                "travel_minutes": 40 if place == "on_site" else 0,
                "travel_amount": Decimal(travel),
            },
            technicians=[agent],
            equipment=assets[:1] if index != 1 else assets[1:],
            supplies=[
                {"description": d, "quantity": Decimal(q), "unit_price": Decimal(p)}
                for d, q, p in supplies
            ],
        )
        if day < today.replace(day=1):
            intervention = services.sign_intervention(
                actor=agent,
                intervention=intervention,
                signer_name="Claire Martin",
                png=signature,
            )
        documents.render_intervention(intervention.pk, email=False)
    result = services.run_billing(actor=admin, start=first, end=last_month_end)
    issued = 0
    for draft in result.invoices:
        invoice = services.issue_invoice(actor=admin, invoice=draft, version=draft.version)
        documents.render_invoice(invoice.pk, email=False)
        issued += 1
    documents.render_statement(org, first)
    return issued
