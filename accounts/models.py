from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .validators import USERNAME_VALIDATORS


class WharfUserManager(UserManager):
    def get_by_natural_key(self, username: str) -> User:
        return self.get(username__iexact=username)


class User(AbstractUser):
    """An account. Usernames are unique regardless of case."""

    username = models.CharField(
        max_length=50,
        unique=True,
        validators=USERNAME_VALIDATORS,
        help_text="Letters, digits, '.', '_' and '-'; unique regardless of case.",
        error_messages={"unique": "That username is taken."},
    )
    terms_version = models.CharField(max_length=40, blank=True)
    terms_agreed_at = models.DateTimeField(null=True, blank=True)

    objects = WharfUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def verified_emails(self) -> list[str]:
        return [a.email for a in self.emailaddress_set.all() if a.verified]

    @property
    def has_verified_email(self) -> bool:
        return self.emailaddress_set.filter(verified=True).exists()

    @property
    def has_two_factor(self) -> bool:
        """A confirmed authenticator app or security key (recovery codes alone are not one)."""
        if self.pk is None:
            return False
        return (
            TOTPDevice.objects.filter(user=self, confirmed=True).exists()
            or WebAuthnDevice.objects.filter(user=self, confirmed=True).exists()
        )


class AccountEventQuerySet(models.QuerySet):
    def for_user(self, user: User) -> AccountEventQuerySet:
        """The account's security history, newest first."""
        return self.filter(user=user).order_by("-created")


class AccountEvent(models.Model):
    """One line of an account's security history, tagged `account:<subject>:<action>`."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="events")
    tag = models.CharField(max_length=80, db_index=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AccountEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["user", "-created"])]

    def __str__(self) -> str:
        return f"{self.tag} ({self.user})"


class AuditEvent(models.Model):
    """One line of a project's or an organization's history: a tag, who, when, from where.

    `packages.ProjectEvent` and `organizations.OrganizationEvent` add the thing it is about.
    """

    tag = models.CharField(max_length=80, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created", "-id"]


# --- Second factors: django-otp devices of our own ------------------------------------------
# TOTP is django-otp's TOTPDevice; security keys and recovery codes are below. Only TOTP and
# WebAuthn count as a second factor (accounts.twofactor.user_has_two_factor); recovery codes
# are a way back in when those are lost.


class WebAuthnDevice(TimestampMixin, Device):
    """A registered security key or passkey; verified by accounts.webauthn, never by a token."""

    factor_name = "webauthn"

    credential_id = models.CharField(max_length=1400, unique=True, help_text="base64url")
    credential_data = models.BinaryField(help_text="fido2 AttestedCredentialData bytes")
    sign_count = models.PositiveBigIntegerField(default=0)
    # A passkey is discoverable and verified its user (PIN, fingerprint): it signs in alone.
    passkey = models.BooleanField(default=False)

    class Meta(Device.Meta):
        verbose_name = "security key"

    def verify_token(self, token: object) -> bool:
        # A key proves itself by a signed challenge (accounts.webauthn), not a typed token.
        return False


class RecoveryCodeDevice(ThrottlingMixin, TimestampMixin, Device):
    """The account's set of single-use recovery codes, stored only as SHA-256 hashes."""

    factor_name = "recovery_code"

    class Meta(Device.Meta):
        verbose_name = "recovery code set"

    def get_throttle_factor(self) -> int:
        return 1

    @property
    def remaining(self) -> int:
        return self.codes.count()

    def verify_token(self, token: object) -> bool:
        """Accept an unused code once; it is deleted as it is used."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        digest = hash_recovery_code(str(token))
        match = None
        # Compare against every hash so the time taken does not depend on which one matched.
        for code in self.codes.all():
            if hmac.compare_digest(code.code_hash, digest):
                match = code
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


def hash_recovery_code(code: str) -> str:
    """SHA-256 of the code as typed, ignoring case, spaces and dashes (codes are random)."""
    normalized = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(normalized.encode()).hexdigest()


class RecoveryCode(models.Model):
    """One unused recovery code: the hash only (the code itself is shown once)."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"recovery code {self.pk} of {self.device_id}"


class UserSessionQuerySet(models.QuerySet):
    def active_for(self, user: User) -> UserSessionQuerySet:
        """The account's signed-in sessions, most recently seen first."""
        return self.filter(user=user, ended__isnull=True).order_by("-last_seen", "-pk")


class UserSession(models.Model):
    """One signed-in browser session, listed on the sessions page (accounts.sessions).

    The session's own data holds this row's id, so no session key is stored here; a row
    marked ended signs its session out on that session's next request.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    created = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    device = models.CharField(max_length=100, blank=True, help_text="From the user agent.")
    method = models.CharField(max_length=40, blank=True, help_text="How it signed in.")
    ended = models.DateTimeField(null=True, blank=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "ended"])]

    def __str__(self) -> str:
        return f"{self.device} session of {self.user}"
