"""Factories for rows no service makes (people, organizations)."""

import factory
from allauth.account.models import EmailAddress

from accounts import roles
from accounts.models import Organization, User


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Client {n} SARL")
    kind = Organization.Kind.CLIENT
    email = factory.Sequence(lambda n: f"contact{n}@client{n}.test")


# The preferred language of the people tests make: every page they see logged in is in it
# (accounts.middleware.ProfileLanguageMiddleware). Tests that read English pages switch it
# (tests/tickets/conftest.py's _english).
LANGUAGE = {"default": User.Language.FR}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    language = factory.LazyFunction(lambda: LANGUAGE["default"])
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def role_codes(self, create, extracted, **kwargs):
        """UserFactory(role_codes=["agent"], support_level=2)."""
        self.save()
        # Addresses of people made by tests count as confirmed (allauth checks it at login).
        EmailAddress.objects.get_or_create(
            user=self, email=self.email, defaults={"verified": True, "primary": True}
        )
        if extracted:
            roles.grant(self, extracted, support_level=kwargs.get("level"))


def make_user(*codes, organization=None, level=None, **fields) -> User:
    user = UserFactory(organization=organization, **fields)
    if codes:
        roles.grant(user, codes, support_level=level)
    return user
