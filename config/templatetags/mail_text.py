"""Filters for mail texts: stored codes turned into the words people read."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def lost_in_words(ticket: object) -> str:
    """A recovery ticket's `lost` codes as their labels: "password, two-factor device…"."""
    choices = getattr(type(ticket), "Lost", None)
    labels = dict(choices.choices) if choices is not None else {}
    values = getattr(ticket, "lost", None) or []
    words = [str(labels.get(value, value)) for value in values]
    words = [word[0].lower() + word[1:] if word else word for word in words]
    if len(words) > 1:
        return ", ".join(words[:-1]) + " and " + words[-1]
    return words[0] if words else "(nothing named)"
