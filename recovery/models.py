"""Account recovery: tickets, their audit trail, tokenized links and repository challenges."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_reference() -> str:
    """A ticket reference the claimant quotes, e.g. "R-7KQ2M9XA" (not a secret)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "R-" + "".join(secrets.choice(alphabet) for _ in range(8))


class Ticket(models.Model):
    """A request to recover an account, reviewed by support staff."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        AWAITING_VERIFICATION = "awaiting_verification", "Awaiting email verification"
        OPEN = "open", "Open"
        INFO_REQUESTED = "info_requested", "Information requested"
        APPROVED = "approved", "Approved (waiting period)"
        COMPLETED = "completed", "Completed"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled by the account owner"
        SPAM = "spam", "Spam"
        EXPIRED = "expired", "Closed: contact email never verified"

    class Lost(models.TextChoices):
        PASSWORD = "password", "Password"
        TWO_FACTOR = "two_factor", "Two-factor device or recovery codes"
        EMAIL_ACCESS = "email_access", "Access to the account's email address"
        COMPROMISED = "compromised", "The account was taken over"

    class Remedy(models.TextChoices):
        SET_CONTACT_EMAIL = "set_contact_email", "Make the contact email the primary address"
        REMOVE_TWO_FACTOR = "remove_two_factor", "Remove all two-factor devices"
        REVOKE_TOKENS = "revoke_tokens", "Revoke all API tokens"

    # Statuses in which staff may still act; the rest are final.
    REVIEWABLE = (Status.OPEN, Status.INFO_REQUESTED)
    FINAL = (Status.COMPLETED, Status.REJECTED, Status.CANCELLED, Status.SPAM, Status.EXPIRED)

    reference = models.CharField(max_length=12, unique=True, default=new_reference)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.NEW)
    # The account as typed (username or email); `account` is what it resolved to, if anything.
    claimed_account = models.CharField(max_length=254)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recovery_tickets",
    )
    contact_email = models.EmailField()
    contact_verified_at = models.DateTimeField(null=True, blank=True)
    lost = models.JSONField(default=list, help_text="What the claimant lost (Lost values).")
    repository_urls = models.JSONField(default=list, blank=True)
    claimed_projects = models.JSONField(default=list, blank=True)
    claimed_last_sign_in = models.DateField(null=True, blank=True)
    other_evidence = models.TextField(blank=True)
    agreed_code_of_conduct_at = models.DateTimeField()
    acknowledged_review_time_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_recovery_tickets",
    )
    remedies = models.JSONField(default=list, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    effective_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    staff_reminded_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]
        permissions = [
            ("review_ticket", "Can review recovery tickets (notes, questions, reject)"),
            ("approve_ticket", "Can approve recovery tickets"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def waiting_left(self):
        """Time until an approved ticket takes effect (None when not waiting)."""
        if self.status != self.Status.APPROVED or self.effective_at is None:
            return None
        return max(self.effective_at - timezone.now(), timedelta(0))


class TicketEvent(models.Model):
    """One line of a ticket's audit trail: who did what, when, and why."""

    class Actor(models.TextChoices):
        CLAIMANT = "claimant", "Claimant"
        OWNER = "owner", "Account owner"
        STAFF = "staff", "Staff"
        SYSTEM = "system", "System"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor_kind = models.CharField(max_length=10, choices=Actor.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.ticket} {self.action}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TicketLink(models.Model):
    """A single-use, expiring link sent by mail; only a hash of its secret is stored."""

    class Purpose(models.TextChoices):
        VERIFY_CONTACT = "verify_contact", "Verify the contact email"
        CANCEL = "cancel", "Owner cancels the request"
        ANSWER = "answer", "Claimant answers a question"
        SET_PASSWORD = "set_password", "Set a new password"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    public_id = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64)
    sent_to = models.EmailField()
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.ticket} {self.purpose}"

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class RepositoryChallenge(models.Model):
    """A nonce the claimant must publish in the claimed repository; the system fetches it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="challenges")
    repository_url = models.URLField(max_length=500)
    fetch_url = models.URLField(max_length=600)
    nonce = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    matched = models.BooleanField(null=True)
    result = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.ticket} challenge on {self.repository_url}"
