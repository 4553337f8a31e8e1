from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from django.conf import settings  # noqa: E402

if not settings.DEBUG and settings.USING_DEVELOPMENT_SECRET:
    raise ImproperlyConfigured("Refusing to serve in production with the development SECRET_KEY.")
