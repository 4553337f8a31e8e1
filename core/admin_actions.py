"""Admin actions that need a reason: an intermediate page asks for it, then a service runs.

Admin is a window onto the services: each selected object goes through the service the
action names (which asks `can()` and records the event); a refusal is shown as a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .errors import WharfError


def run_for_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    service: Callable[[Any], object],
    done: str,
) -> None:
    """service(obj) for each selected object; refusals become error messages."""
    succeeded = 0
    for obj in queryset:
        try:
            service(obj)
        except WharfError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{done}: {succeeded}.", messages.SUCCESS)


def with_reason(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    title: str,
    service: Callable[[Any, str], object],
    done: str,
) -> HttpResponse | None:
    """Ask for a reason (first POST), then run service(obj, reason) for each object."""
    reason = request.POST.get("reason", "").strip()
    if request.POST.get("confirm") == "yes" and reason:
        run_for_each(modeladmin, request, queryset, lambda obj: service(obj, reason), done)
        return None
    if request.POST.get("confirm") == "yes":
        modeladmin.message_user(
            request, "Give a reason: it is recorded and mailed to the Owners.", messages.ERROR
        )
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "objects": list(queryset),
        "action": request.POST.get("action", ""),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/takedown_reason.html", context)
