"""Helpers to build change requests at any step, through services."""

from datetime import date, timedelta

import pytest

from accounts.models import Role
from cdc import services
from cdc.models import Check
from tests.factories import make_user


@pytest.fixture
def gdpr_auditor_a(org_a):
    return make_user(
        Role.Code.CLIENT_USER,
        Role.Code.CLIENT_GDPR_AUDITOR,
        organization=org_a,
        email="auditor@alpha.test",
        first_name="Gus",
        last_name="Auditor",
    )


@pytest.fixture(autouse=True)
def _hotline(settings):
    settings.HOTLINE_EMAILS = ["helpdesk@support.test", "infos@support.test"]


class Builder:
    """Walks one request forward with the right person at each step."""

    def __init__(self, client_admin_a, agent, dpo, admin, developer, controller):
        self.client, self.agent, self.dpo = client_admin_a, agent, dpo
        self.manager, self.developer, self.controller = admin, developer, controller

    def draft(self, **kw):
        values = {
            "actor": self.client,
            "organization": self.client.organization,
            "requester": self.client,
            "kind": "new",
            "title": "Export the invoices as CSV",
            "description": "We need a CSV export.",
            "client_deadline": date.today() + timedelta(days=30),
        }
        values.update(kw)
        return services.create_change_request(**values)

    def submitted(self, **kw):
        cr = self.draft(**kw)
        return services.submit_change_request(actor=self.client, cr=cr)

    def at_dpo(self, **kw):
        cr = self.submitted(**kw)
        return services.save_analysis(
            actor=self.agent,
            cr=cr,
            solution="A CSV button.",
            planned_date=date.today() + timedelta(days=20),
        )

    def at_decision(self, gdpr=False, **kw):
        cr = self.at_dpo(**kw)
        return services.save_dpo_review(
            actor=self.dpo, cr=cr, gdpr_impact=gdpr, conclusions="OK", validated_on=date.today()
        )

    def in_development(self, gdpr=False, **kw):
        cr = self.at_decision(gdpr=gdpr, **kw)
        return services.decide(actor=self.client, cr=cr, validate=True, comment="Go")

    def green_task(self, cr):
        task = services.add_task(
            actor=self.manager,
            cr=cr,
            title="Backend",
            developers=[self.developer],
            start_date=date.today(),
            end_date=date.today() + timedelta(days=2),
        )
        for kind in services.required_checks(cr):
            who = self.dpo if kind == Check.Kind.GDPR else self.controller
            services.record_check(actor=who, task=task, kind=kind, passed=True)
        return task

    def delivered(self, gdpr=False, **kw):
        cr = self.in_development(gdpr=gdpr, **kw)
        self.green_task(cr)
        return services.deliver(actor=self.manager, cr=cr)


@pytest.fixture
def build(client_admin_a, agent, dpo, admin, developer, controller):
    return Builder(client_admin_a, agent, dpo, admin, developer, controller)


@pytest.fixture
def everyone(
    admin, agent, sales, dpo, developer, controller, client_a, client_admin_a, client_b, reseller
):
    return {
        "admin": admin,
        "agent": agent,
        "sales": sales,
        "dpo": dpo,
        "developer": developer,
        "controller": controller,
        "client_a": client_a,
        "client_admin_a": client_admin_a,
        "client_b": client_b,
        "reseller": reseller,
    }
