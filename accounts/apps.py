from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users"

    def ready(self) -> None:
        # Importing connects the receivers; sessions' run after signals' (the sign-in event).
        from . import signals  # noqa: F401
        from . import sessions  # noqa: F401  # isort: skip
