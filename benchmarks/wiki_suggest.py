"""The knowledge base's suggestion fragment (/wiki/suggest/?title=...) with 5,000 pages:
median and 95th percentile of its response time, as a client and as an agent.

Usage (PostgreSQL, as production; the database is created by `createdb` beforehand):
    createdb -h 127.0.0.1 -U postgres helpdesk_wiki_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_wiki_bench \\
        .venv/bin/python benchmarks/wiki_suggest.py [--pages 5000] [--requests 300]

It migrates, seeds the demo accounts (seed_demo --tickets 0), then brings the knowledge base to
--pages pages (bulk inserts of generated French procedures spread over the demo spaces and 40
more client organizations' spaces, rendered once per distinct text as the services do), runs
VACUUM ANALYZE (as autovacuum would), and requests the fragment through Django's test client
in this process (the view, its queries and its template: no HTTP server, no network) for
titles a person types while filing a ticket, a word at a time. The target is p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

SUBJECTS = [
    "imprimante", "messagerie", "VPN", "mot de passe", "sauvegarde", "serveur", "poste de "
    "travail", "téléphone", "facturation", "logiciel de paie", "scanner", "réseau Wi-Fi",
    "partage de fichiers", "agenda partagé", "antivirus", "écran", "clavier", "badge d'accès",
]  # fmt: skip
ACTIONS = [
    "installer", "configurer", "redémarrer", "réinitialiser", "mettre à jour", "dépanner",
    "restaurer", "sécuriser", "connecter", "remplacer",
]  # fmt: skip
FILLER = (
    "Avant de commencer, vérifiez que le poste est branché et que la session est ouverte. "
    "Si le problème persiste après ces étapes, ouvrez un ticket en joignant une capture "
    "d'écran du message d'erreur et l'heure à laquelle il est apparu. "
)
TITLES = [
    "Mon imprimante ne marche plus",
    "Impossible de me connecter au VPN depuis la maison",
    "Mot de passe oublié pour la messagerie",
    "La sauvegarde de cette nuit a échoué",
    "Écran noir au démarrage du poste",
    "Badge d'accès refusé à l'entrée",
]


def text_for(rng: random.Random, subject: str, action: str) -> str:
    steps = "\n".join(
        f"{n}. {rng.choice(ACTIONS).capitalize()} le {rng.choice(SUBJECTS)}." for n in range(1, 6)
    )
    return (
        f"## {action.capitalize()} : {subject}\n\n{FILLER * rng.randint(1, 4)}\n\n"
        f"## Étapes\n{steps}\n\n## Si cela ne suffit pas\n{FILLER}"
        f"Voir le ticket #{rng.randint(1, 999)}."
    )


def seed(pages: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Organization, User
    from wiki import markup, services
    from wiki.models import Page, Revision, Space

    call_command("migrate", verbosity=0)
    call_command("seed_demo", tickets=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    existing = Page.objects.count()
    if existing >= pages:
        print(f"{existing} pages already there: not seeding")
    else:
        rng = random.Random(7)
        agent = User.objects.get(email="agent@demo.test")
        organizations = list(Organization.objects.filter(kind=Organization.Kind.CLIENT))
        for n in range(40 - len(organizations)):
            organizations.append(
                Organization.objects.create(name=f"Client banc {n:02d} SAS", email=f"b{n}@x.test")
            )
        spaces = [services.space_for(kind=Space.Kind.SHARED)]
        spaces.append(services.space_for(kind=Space.Kind.INTERNAL))
        spaces += [
            services.space_for(kind=Space.Kind.ORGANIZATION, organization=org)
            for org in organizations
        ]
        visibility = {
            Space.Kind.SHARED: Page.Visibility.CLIENTS,
            Space.Kind.INTERNAL: Page.Visibility.STAFF,
            Space.Kind.ORGANIZATION: Page.Visibility.ORGANIZATION,
        }
        started = time.perf_counter()
        now = timezone.now()
        rendered: dict[str, tuple] = {}
        batch = []
        for n in range(pages - existing):
            space = spaces[n % len(spaces)]
            subject, action = rng.choice(SUBJECTS), rng.choice(ACTIONS)
            body = text_for(rng, subject, action)
            if body not in rendered:
                rendered[body] = markup.render(body)
            html, toc = rendered[body]
            batch.append(
                Page(
                    space=space,
                    organization_id=space.organization_id,
                    title=f"{action.capitalize()} : {subject} ({n})",
                    body=body,
                    body_html=html,
                    toc=toc,
                    visibility=visibility[space.kind]
                    if rng.random() > 0.15
                    else Page.Visibility.STAFF,
                    tags_text=f"{subject},{action}",
                    created_by=agent,
                    updated_by=agent,
                    created_at=now,
                    updated_at=now,
                )
            )
        with transaction.atomic():
            for chunk in range(0, len(batch), 500):
                made = Page.objects.bulk_create(batch[chunk : chunk + 500])
                Revision.objects.bulk_create(
                    Revision(
                        page=page,
                        number=1,
                        title=page.title,
                        body=page.body,
                        body_html=page.body_html,
                        toc=page.toc,
                        author=agent,
                    )
                    for page in made
                )
        print(f"seeded {len(batch)} pages in {time.perf_counter() - started:.1f}s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def measure(email: str, requests: int, *, path: str = "/wiki/suggest/") -> list[float]:
    from django.test import Client

    from accounts.models import User
    from tests.conftest import verified_login

    client = verified_login(Client(), User.objects.get(email=email))
    typed = []
    for title in TITLES:  # what the form sends as the person types, a word at a time
        words = title.split()
        typed += [" ".join(words[: n + 1]) for n in range(len(words))]
    for text in typed[:5]:  # warm-up
        client.get("/wiki/suggest/?" + urlencode({"title": text}))
    timings = []
    for n in range(requests):
        url = path + "?" + urlencode({"title": typed[n % len(typed)]})
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    seed(args.pages)
    from wiki.models import Page

    print(f"database: {connection.vendor}, {Page.objects.count()} pages")
    # /ping (a trivial view) through the same client: what any request costs on this machine
    # at this moment (the machine is shared: timings move a lot from one minute to the next).
    for email, path in (
        ("client@demo.test", "/ping"),
        ("client@demo.test", "/wiki/suggest/"),
        ("agent@demo.test", "/wiki/suggest/"),
    ):
        timings = sorted(measure(email, args.requests, path=path))
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"{email:20} {path:15} median {statistics.median(timings):6.1f} ms  "
            f"p95 {p95:6.1f} ms  max {timings[-1]:6.1f} ms  ({len(timings)} requests)"
        )


if __name__ == "__main__":
    main()
