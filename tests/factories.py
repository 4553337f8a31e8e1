"""factory-boy factories for every app; Traits name the states tests need."""

from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from packages.names import normalize, similarity_key

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


class TokenFactory(factory.django.DjangoModelFactory):
    """An API token; the raw secret is on `.raw` (as if just shown to its owner)."""

    class Meta:
        model = "tokens.Token"

    user = factory.SubFactory(UserFactory, verified=True)
    name = factory.Sequence(lambda n: f"token {n}")
    projects = factory.LazyFunction(list)

    class Params:
        expired = factory.Trait(
            expires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
        )
        revoked = factory.Trait(
            revoked_at=factory.LazyFunction(timezone.now), revoked_reason="revoked by its owner"
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from tokens import secrets as token_secrets

        # Accept Project objects as well as names: TokenFactory(projects=[project]).
        kwargs["projects"] = [getattr(p, "normalized_name", p) for p in kwargs["projects"]]
        public_id, raw = token_secrets.generate()
        kwargs.setdefault("public_id", public_id)
        kwargs.setdefault("secret_hash", token_secrets.hash_token(raw))
        token = super()._create(model_class, *args, **kwargs)
        token.raw = raw
        return token


class AccessTokenFactory(factory.django.DjangoModelFactory):
    """An API access token (minted now, after a second factor); the secret is on `.raw`."""

    class Meta:
        model = "tokens.AccessToken"

    user = factory.SubFactory(UserFactory, verified=True)
    second_factor = "totp"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from tokens import secrets as token_secrets

        public_id, raw = token_secrets.generate_access()
        kwargs.setdefault("public_id", public_id)
        kwargs.setdefault("secret_hash", token_secrets.hash_token(raw))
        kwargs.setdefault("auth_hash", kwargs["user"].get_session_auth_hash())
        token = super()._create(model_class, *args, **kwargs)
        token.raw = raw
        return token


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "packages.Project"

    name = factory.Sequence(lambda n: f"project-{n}")
    normalized_name = factory.LazyAttribute(lambda p: normalize(p.name))
    similarity_key = factory.LazyAttribute(lambda p: similarity_key(p.name))


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "packages.Role"

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = "Owner"


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "packages.Release"

    project = factory.SubFactory(ProjectFactory)
    version = factory.Sequence(lambda n: f"1.{n}")
    canonical_version = factory.LazyAttribute(lambda r: r.version)
    summary = "A test release"


class FileFactory(factory.django.DjangoModelFactory):
    """A File row without bytes in storage (for listing tests; uploads make real ones)."""

    class Meta:
        model = "packages.File"

    release = factory.SubFactory(ReleaseFactory)
    filename = factory.LazyAttribute(
        lambda f: (
            f"{f.release.project.normalized_name.replace('-', '_')}-{f.release.version}"
            "-py3-none-any.whl"
        )
    )
    packagetype = "bdist_wheel"
    python_version = "py3"
    size = 1234
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    blake2_256 = factory.Sequence(lambda n: f"{n:064x}")
    md5 = factory.Sequence(lambda n: f"{n:032x}")
    path = factory.LazyAttribute(
        lambda f: f"{f.sha256[:2]}/{f.sha256[2:4]}/{f.sha256}/{f.filename}"
    )


class TicketFactory(factory.django.DjangoModelFactory):
    """A recovery ticket whose contact email is confirmed (status open) unless told otherwise."""

    class Meta:
        model = "recovery.Ticket"

    account = factory.SubFactory(UserFactory)
    claimed_account = factory.LazyAttribute(lambda t: t.account.username if t.account else "nobody")
    contact_email = factory.Sequence(lambda n: f"claimant{n}@example.org")
    status = "open"
    contact_verified_at = factory.LazyFunction(timezone.now)
    lost = factory.LazyFunction(lambda: ["password"])
    agreed_code_of_conduct_at = factory.LazyFunction(timezone.now)
    acknowledged_review_time_at = factory.LazyFunction(timezone.now)
    ip_address = "203.0.113.7"
    user_agent = "Mozilla/5.0 (claimant)"


class PublisherFactory(factory.django.DjangoModelFactory):
    """A GitHub trusted publisher of a project (pass issuer= the fake issuer's URL)."""

    class Meta:
        model = "publishing.Publisher"

    kind = "github"
    issuer = "https://token.actions.githubusercontent.com"
    project = factory.SubFactory(ProjectFactory)
    project_name = factory.LazyAttribute(lambda p: p.project.normalized_name if p.project else "")
    owner = "example"
    repository = "app"
    workflow = "release.yml"

    class Params:
        gitlab = factory.Trait(
            kind="gitlab",
            owner="",
            repository="",
            workflow="",
            namespace="group",
            gitlab_project="app",
            ci_config_path=".gitlab-ci.yml",
        )
        generic = factory.Trait(
            kind="generic", owner="", repository="", workflow="", subject="repo:team/app:*"
        )
        pending = factory.Trait(
            project=None,
            expires_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=30)),
        )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "organizations.Organization"

    name = factory.Sequence(lambda n: f"org-{n}")
    normalized_name = factory.LazyAttribute(lambda o: normalize(o.name))
    display_name = factory.LazyAttribute(lambda o: o.name.title())


class OrganizationRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "organizations.OrganizationRole"

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory, verified=True)
    role = "Owner"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "organizations.Team"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"team-{n}")
    normalized_name = factory.LazyAttribute(lambda t: normalize(t.name))


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "organizations.TeamMember"

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory, verified=True)


class TeamProjectRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "packages.TeamProjectRole"

    team = factory.SubFactory(TeamFactory)
    project = factory.SubFactory(ProjectFactory)
    role = "Maintainer"


class OrganizationTokenFactory(TokenFactory):
    """An organization token: no user, belongs to the organization."""

    user = None
    organization = factory.SubFactory(OrganizationFactory)
    created_by = None
