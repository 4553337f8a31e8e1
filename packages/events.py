"""A project's history in words: "Uploaded x.whl with token ‘CI’", never a raw tag."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .models import File, ProjectEvent


@dataclass(frozen=True)
class DescribedEvent:
    created: datetime
    text: str
    actor: str
    ip_address: str | None
    tag: str


def _q(value: object) -> str:
    return f"‘{value}’"


def describe_project_event(tag: str, details: dict[str, Any], token_name: str | None) -> str:
    """One history line as a sentence."""
    d = details if isinstance(details, dict) else {}
    user, role, version = d.get("username", "someone"), d.get("role", ""), d.get("version", "?")
    texts = {
        "project:project:created": "Created the project",
        "project:role:invited": f"Invited {user} as {role}",
        "project:role:added": f"{user} became {role}",
        "project:role:declined": f"{user} declined the invitation",
        "project:role:invitation_revoked": f"Withdrew the invitation to {user}",
        "project:role:changed": f"Changed {user}'s role from {d.get('previous', '?')} to {role}",
        "project:role:removed": f"Removed {user} ({role})",
        "project:role:left": f"{user} left the project ({role})",
        "project:settings:two_factor_required": "Required two-factor authentication for uploads",
        "project:settings:two_factor_optional": "Stopped requiring two-factor authentication",
        "project:release:created": f"Released version {version}",
        "project:release:yanked": f"Yanked version {version}"
        + (f": {d['reason']}" if d.get("reason") else ""),
        "project:release:unyanked": f"Un-yanked version {version}",
        "project:release:deleted": f"Deleted version {version}",
        "project:file:deleted": f"Deleted the file {d.get('filename', '?')}",
    }
    if tag == "project:file:uploaded":
        how = f" with token {_q(token_name)}" if token_name else ""
        if not how and d.get("token"):
            how = " with an API token (since revoked or deleted)"
        return f"Uploaded {d.get('filename', 'a file')}{how}"
    if tag in texts:
        return texts[tag]
    return " ".join(part.replace("_", " ") for part in tag.split(":")[1:]).capitalize() or tag


def describe_project_events(events: Iterable[ProjectEvent]) -> list[DescribedEvent]:
    """The events in words; upload tokens are named in one query (by the uploaded file)."""
    events = list(events)
    uploaded = [e.details.get("filename") for e in events if e.tag == "project:file:uploaded"]
    token_names = dict(
        File.objects.filter(
            filename__in=[f for f in uploaded if f], upload_token__isnull=False
        ).values_list("filename", "upload_token__name")
    )
    return [
        DescribedEvent(
            created=e.created,
            text=describe_project_event(
                e.tag, e.details, token_names.get(e.details.get("filename"))
            ),
            actor=e.actor.username if e.actor else "",
            ip_address=e.ip_address,
            tag=e.tag,
        )
        for e in events
    ]
