from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

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
