"""Project and organization names: the only place that normalizes them (PEP 503)."""

from __future__ import annotations

import re

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
