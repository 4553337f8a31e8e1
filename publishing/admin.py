from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Publisher


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    """Read-only evidence: Owners add and remove publishers on their publishing page."""

    list_display = ("project_name", "kind", "description", "created_by", "created", "last_used_at")
    list_filter = ("kind", "created")
    search_fields = ("project_name", "owner", "repository", "namespace", "gitlab_project")
    list_select_related = ("created_by",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Publisher | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Publisher | None = None) -> bool:
        return False
