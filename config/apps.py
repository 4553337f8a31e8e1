from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class WharfAdminConfig(AdminConfig):
    """The admin, with our site (two-factor required) as the default site."""

    default_site = "config.admin.WharfAdminSite"


class ConfigConfig(AppConfig):
    """The composition root as an app: registers the deployment checks."""

    name = "config"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - importing registers the system checks
