from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - importing registers the system checks

        from . import signals  # noqa: F401 - importing connects the signal receivers
