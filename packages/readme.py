"""Project descriptions rendered safely (readme_renderer cleans the HTML), as PyPI does."""

from __future__ import annotations

import readme_renderer.markdown
import readme_renderer.rst
import readme_renderer.txt
from django.utils.safestring import SafeString, mark_safe


def render_description(text: str, content_type: str) -> SafeString:
    """HTML for a description: reST, Markdown or plain text by its content type."""
    kind = (content_type or "text/x-rst").split(";")[0].strip().lower()
    html: str | None
    if kind == "text/markdown":
        html = readme_renderer.markdown.render(text)
    elif kind == "text/plain":
        html = readme_renderer.txt.render(text)
    else:
        # Invalid reST renders as None: fall back to plain text, as PyPI does.
        html = readme_renderer.rst.render(text) or readme_renderer.txt.render(text)
    return mark_safe(html)  # noqa: S308 - readme_renderer sanitizes with nh3
