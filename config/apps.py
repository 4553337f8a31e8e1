from __future__ import annotations

from allauth.account.apps import AccountConfig
from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpConfig


class WharfAdminConfig(AdminConfig):
    """The admin, with our site (two-factor required) as the default site."""

    default_site = "config.admin.WharfAdminSite"


class ConfigConfig(AppConfig):
    """The composition root as an app: registers the deployment checks."""

    name = "config"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - importing registers the system checks


# Third-party apps named for what the admin lists under them (allauth's "Accounts" beside
# ours read as two sections of one thing; django-otp's label showed as "Otp_Totp").
class EmailAddressesConfig(AccountConfig):
    verbose_name = "Email addresses"


class AuthenticatorAppsConfig(TotpConfig):
    verbose_name = "Authenticator apps"
