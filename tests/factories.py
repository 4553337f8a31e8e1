"""factory-boy factories for every app; Traits name the states tests need."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username.lower()}@example.com")
    password = factory.django.Password(PASSWORD)
    terms_version = "2026-11-01"
    terms_agreed_at = factory.LazyFunction(timezone.now)

    class Params:
        verified = factory.Trait(
            email_address=factory.RelatedFactory(
                "tests.factories.EmailAddressFactory",
                factory_related_name="user",
                email=factory.SelfAttribute("..email"),
                verified=True,
                primary=True,
            )
        )
        unverified = factory.Trait(
            email_address=factory.RelatedFactory(
                "tests.factories.EmailAddressFactory",
                factory_related_name="user",
                email=factory.SelfAttribute("..email"),
                verified=False,
                primary=True,
            )
        )
        with_totp = factory.Trait(
            totp_device=factory.RelatedFactory(
                "tests.factories.TOTPDeviceFactory", factory_related_name="user"
            )
        )
        staff = factory.Trait(is_staff=True)


class EmailAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailAddress

    user = factory.SubFactory(UserFactory)
    email = factory.Sequence(lambda n: f"address{n}@example.com")
    verified = True
    primary = False


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True
