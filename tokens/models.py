from __future__ import annotations

from django.conf import settings
from django.db import models


class Token(models.Model):
    """An API token. Only a hash of the secret is stored; `public_id` finds it in O(1).

    Scope: `projects` lists normalized project names (a name may not be registered yet);
    an empty list means the whole account.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    public_id = models.CharField(max_length=32, unique=True)
    secret_hash = models.CharField(max_length=128)
    projects = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"
