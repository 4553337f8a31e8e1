from __future__ import annotations

from django.apps import AppConfig


class PackagesConfig(AppConfig):
    name = "packages"

    def ready(self) -> None:
        from . import ownership  # noqa: F401 - importing connects the offboarding receiver
