"""Project names: normalized by core.names (shared with organization names); reserved names."""

from __future__ import annotations

import sys

from django.conf import settings

from core.names import NAME_PATTERN, is_valid_name, normalize, similarity_key

__all__ = ["NAME_PATTERN", "is_valid_name", "normalize", "reserved_reason", "similarity_key"]


def _stdlib_names() -> frozenset[str]:
    return frozenset(normalize(name) for name in sys.stdlib_module_names)


_STDLIB = _stdlib_names()


def reserved_reason(name: str) -> str | None:
    """Why a new project may not take name (None when it may).

    The standard library's module names are a classic dependency-confusion and typo trap
    ("pip install asyncio" should never fetch someone's upload); RESERVED_PROJECT_NAMES adds
    the index's own.
    """
    normalized = normalize(name)
    if normalized in _STDLIB or normalized.replace("-", "_") in _STDLIB:
        return (
            f"the name {name!r} is reserved: it is a module of Python's standard library, so "
            "installing it by mistake would shadow Python itself; choose a different name."
        )
    reserved = {normalize(n) for n in settings.RESERVED_PROJECT_NAMES if n.strip()}
    if normalized in reserved:
        return (
            f"the name {name!r} is reserved by this index's administrators; choose a "
            "different name."
        )
    return None
