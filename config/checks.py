from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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


_PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, deploy=True)
def check_shared_cache(app_configs, **kwargs) -> list[Warning]:
    # Sign-in, second-factor, upload and recovery limits count in the cache: a per-process
    # cache gives each gunicorn worker its own count, multiplying every limit.
    if settings.CACHES["default"]["BACKEND"] in _PER_PROCESS_CACHES:
        return [
            Warning(
                "The cache is per process, so rate limits (sign-in, second factor, uploads, "
                "recovery) count separately in every worker.",
                hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/1.",
                id="wharf.W002",
            )
        ]
    return []


@register(Tags.compatibility, deploy=True)
def check_broker(app_configs, **kwargs) -> list[Error]:
    # Without a broker, tasks run inside the web request and beat's periodic work (account
    # recovery steps) is sent nowhere.
    if settings.CELERY_BROKER_URL == "memory://":
        return [
            Error(
                "No CELERY_BROKER_URL: tasks run inside web requests and beat's schedule "
                "(recovery steps) has nowhere to go.",
                hint="Set CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0, and run "
                "`make worker` and `make beat` (deploy/ has their systemd units).",
                id="wharf.E003",
            )
        ]
    return []
