"""Filters for the project page: a rendered README fitted under the page's own headings."""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

from packages.events import describe_project_events

register = template.Library()

_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
_LANG = re.compile(r"\slang=", re.IGNORECASE)
_EMPTY_LINK = re.compile(r"<a\b[^>]*>\s*</a>", re.IGNORECASE)
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)", re.IGNORECASE)
_PRE = re.compile(r"<pre\b", re.IGNORECASE)


@register.filter
def readme_in_page(html: str) -> SafeString:
    """Demote the README's headings two levels (its h1 sits under the page's h2), and drop
    what assistive technology trips on: empty anchor links, code-language `lang` attributes
    (not human languages), images without alt text (marked decorative) and code blocks that
    scroll but cannot be reached by keyboard."""
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}", str(html))
    html = _LANG.sub(" data-lang=", html)
    html = _EMPTY_LINK.sub("", html)
    html = _IMG_WITHOUT_ALT.sub('<img alt=""', html)
    html = _PRE.sub('<pre tabindex="0"', html)  # code that scrolls sideways takes focus
    return mark_safe(html)  # noqa: S308 - the input was sanitized by readme_renderer


@register.filter
def short_hash(value: str) -> str:
    """The first 12 hex digits of a digest: enough to compare by eye."""
    return f"{value[:12]}…" if len(value) > 12 else value


@register.filter
def in_words(events):
    """A project's history as sentences (packages.events)."""
    return describe_project_events(events)


@register.filter
def is_sole_owner(project, user) -> bool:
    """True when user is the project's only Owner (who may not leave or be removed)."""
    owners = list(project.roles.filter(role="Owner").values_list("user_id", flat=True)[:2])
    return owners == [user.pk]


@register.filter
def owner_count(roles) -> int:
    return sum(1 for role in roles if role.role == "Owner")
