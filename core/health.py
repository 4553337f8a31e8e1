"""Liveness and readiness for load balancers and orchestrators.

`/healthz` answers 200 while the process can answer at all (nothing else is touched).
`/readyz` checks each dependency the site needs to serve traffic: the database, the cache,
the broker and the storage; 200 when all answer, else 503 naming the one(s) that did not,
with the error, so an operator knows where to look.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

BROKER_TIMEOUT_SECONDS = 3.0


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    key, value = f"readyz:{uuid.uuid4().hex}", str(time.time())
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise RuntimeError("a value written to the cache could not be read back")
    cache.delete(key)


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url == "memory://":
        return  # no broker configured: tasks run in-process (check --deploy refuses this)
    from kombu import Connection

    with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS
        )


def check_storage() -> None:
    storage = storages["files"]
    if isinstance(storage, FileSystemStorage):
        # The folder is made at the first upload: until then its parent must be writable.
        folder = os.path.abspath(storage.location)
        while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
            folder = os.path.dirname(folder)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise RuntimeError(f"the files folder {storage.location} is not writable")
        return
    storage.exists("readyz-probe")  # one request to the bucket: raises when it is unreachable


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure of a dependency is a "not ready" answer
            results[name] = f"failing: {type(error).__name__}: {error}"[:300]
        else:
            results[name] = "ok"
    failing = [name for name, result in results.items() if result != "ok"]
    if failing:
        return JsonResponse(
            {
                "status": "failing",
                "failing": failing,
                "message": f"not ready: {', '.join(failing)} did not answer; see checks.",
                "checks": results,
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "checks": results})
