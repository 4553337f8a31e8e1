from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_wsgi_application()

from packages.fastpath import FastPath  # noqa: E402 - needs Django set up first

# /simple/ and local /files/ are answered from pre-rendered pages before Django's stack.
application = FastPath(django_application)


def _warm_up() -> None:
    """Import every view and task module as the worker starts, not in its first requests.

    Django imports the URLconf (and with it every view) on the first request, and celery
    its task modules on the first task sent: about a second on a small machine, which the
    first upload after each (re)start would otherwise wait for.
    """
    from django.urls import get_resolver

    from config.celery import app

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf's modules
    app.loader.import_default_modules()


_warm_up()

if not settings.DEBUG and settings.USING_DEVELOPMENT_SECRET:
    raise ImproperlyConfigured(
        "Refusing to serve in production with the development SECRET_KEY: set SECRET_KEY "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
        "or DEBUG=true for development."
    )
