"""What tokens does when a lower layer reports an event (connected in TokensConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from packages.signals import project_deleted

from .services import token_revoke_for_deleted_project


@receiver(project_deleted)
def revoke_tokens_of_deleted_project(
    sender: Any, *, normalized_name: str, collaborators: list, request: Any = None, **kwargs: Any
) -> None:
    token_revoke_for_deleted_project(
        normalized_name=normalized_name, users=collaborators, request=request
    )
