"""The "Start a change request" button a ticket page includes."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template

TEMPLATE = Template("{% load cdc %}{% start_change_request user ticket %}")


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("client_admin_a", True),
        ("gdpr_auditor_a", True),
        ("dpo", True),
        ("admin", True),
        ("client_a", False),
        ("agent", False),
        ("sales", False),
        ("reseller", False),
    ],
)
def test_button_only_for_people_who_may_open_requests(persona, shown, request):
    user = request.getfixturevalue(persona)
    html = TEMPLATE.render(Context({"user": user, "ticket": SimpleNamespace(number=17)}))
    assert ("/cdc/new/?ticket=17" in html) is shown
