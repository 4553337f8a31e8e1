"""Project names: the only place that normalizes them (PEP 503, via `packaging`)."""

from __future__ import annotations

import re
import sys

from django.conf import settings
from packaging.utils import canonicalize_name

# PEP 508 / core metadata: ASCII letters, digits, '.', '_', '-'; starts and ends alphanumeric.
# Written so JSON Schema (the API's schema) reads it the same way.
NAME_PATTERN = r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$"
_VALID_NAME = re.compile(NAME_PATTERN)
_CONFUSABLE = str.maketrans({"l": "1", "i": "1", "o": "0"})


def normalize(name: str) -> str:
    """The PEP 503 normalized form of a project name ("Foo.Bar_baz" -> "foo-bar-baz")."""
    return canonicalize_name(name)


def is_valid_name(name: str) -> bool:
    """True when name is a valid project name per the core metadata spec."""
    return bool(_VALID_NAME.fullmatch(name))  # fullmatch: "$" alone lets "name\n" through


def similarity_key(name: str) -> str:
    """A key two names share when they are too alike to coexist (as PyPI's ultranormalize).

    Separators are dropped and the look-alikes l/i/1 and o/0 are folded, so "foo-bar",
    "foobar" and "f00bar" collide.
    """
    return normalize(name).replace("-", "").translate(_CONFUSABLE)


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
