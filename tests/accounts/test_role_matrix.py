"""Every role x every accounts page x ownership: who gets the page, who gets a 404.

The table grows with each app; a cell that changes must change here on purpose.
"""

import pytest

from tests.factories import make_user

ROLES = [
    "admin",
    "agent",
    "sales",
    "dpo",
    "developer",
    "controller",
    "client_a",
    "client_admin_a",
    "gdpr_auditor_a",
    "reseller",
    "client_b",
]

# action: (method, url template, {role: expected status})
OK, NO, MOVED = 200, 404, 302
STAFF_ALL = {"admin", "agent", "dpo", "developer", "controller"}


def expect(allowed, ok=OK, refused=NO):
    return {role: (ok if role in allowed else refused) for role in ROLES}


MATRIX = {
    "user list": ("get", "/users/", expect({"admin"})),
    "user detail (other org)": ("get", "/users/{client_b}/", expect({"admin"})),
    "user create form": ("get", "/users/new/", expect({"admin"})),
    "user edit form": ("get", "/users/{client_b}/edit/", expect({"admin"})),
    "deactivate a user": ("post", "/users/{victim}/deactivate/", expect({"admin"}, ok=MOVED)),
    "reset 2FA of a user": ("post", "/users/{victim}/reset-2fa/", expect({"admin"}, ok=MOVED)),
    "organization list": ("get", "/organizations/", expect(STAFF_ALL | {"sales"})),
    "organization A page": (
        "get",
        "/organizations/{org_a}/",
        expect(STAFF_ALL | {"sales", "client_a", "client_admin_a", "gdpr_auditor_a", "reseller"}),
    ),
    "organization B page": ("get", "/organizations/{org_b}/", expect(STAFF_ALL | {"client_b"})),
    "organization edit": ("get", "/organizations/{org_a}/edit/", expect({"admin"})),
    "new organization": ("get", "/organizations/new/", expect({"admin"})),
    "own profile": ("get", "/profile/", expect(set(ROLES))),
}


@pytest.fixture
def people(
    admin,
    agent,
    sales,
    dpo,
    developer,
    controller,
    client_a,
    client_admin_a,
    reseller,
    client_b,
    org_a,
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
        "gdpr_auditor_a": make_user(
            "client_user", "client_gdpr_auditor", organization=org_a, email="gdpr@alpha.test"
        ),
        "reseller": reseller,
        "client_b": client_b,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(MATRIX))
def test_role_matrix(login, people, org_a, org_b, role, action):
    method, template, expected = MATRIX[action]
    victim = make_user("client_user", organization=org_b, email="victim@beta.test")
    url = template.format(
        client_b=people["client_b"].pk, org_a=org_a.pk, org_b=org_b.pk, victim=victim.pk
    )
    client = login(people[role])
    response = getattr(client, method)(url)
    assert response.status_code == expected[role], f"{role} {method.upper()} {url}"
    if method == "post" and expected[role] == NO:
        victim.refresh_from_db()
        assert victim.is_active  # a refused action changed nothing


def test_matrix_covers_every_role_of_the_product():
    from accounts.models import Role

    personas_roles = {
        "admin": "admin",
        "agent": "agent",
        "sales": "sales",
        "dpo": "dpo",
        "developer": "developer",
        "controller": "controller",
        "client_a": "client_user",
        "client_admin_a": "client_admin",
        "gdpr_auditor_a": "client_gdpr_auditor",
        "reseller": "reseller",
    }
    assert set(personas_roles.values()) == set(Role.Code.values)
    assert set(personas_roles) <= set(ROLES)
