from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _support_staff_group(sender, **kwargs) -> None:
    # Permissions exist only after migrate's post_migrate hook: build the group after it.
    from .permissions import ensure_support_staff_group

    ensure_support_staff_group()


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Account recovery"

    def ready(self) -> None:
        post_migrate.connect(_support_staff_group, sender=self)
