from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_production_secret(app_configs, **kwargs) -> list[Error]:
    if settings.USING_DEVELOPMENT_SECRET:
        return [
            Error(
                "SECRET_KEY is the development secret generated into var/.",
                hint="Set the SECRET_KEY environment variable to a long random value.",
                id="wharf.E001",
            )
        ]
    return []
