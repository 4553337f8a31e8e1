"""Small query helpers shared by the apps."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def one_or_none(queryset: QuerySet[M]) -> M | None:
    """The row a unique lookup finds, or None.

    Like `.first()` without its ORDER BY, which a lookup by a unique key never needs and
    which costs a hot path (an upload makes four such lookups) a sort clause to build.
    """
    return next(iter(queryset.order_by()[:1]), None)
