"""Project descriptions rendered safely (readme_renderer cleans the HTML), as PyPI does.

A description is rendered once, when its release is created, and stored sanitized in
`Release.description_html`, already fitted under the project page's headings: a 300 KB
reST README took seconds to render, so rendering it on every page view let a handful of
views stall the site.
"""

from __future__ import annotations

import readme_renderer.markdown
import readme_renderer.rst
import readme_renderer.txt

from .templatetags.project_page import readme_in_page


def render_html(text: str, content_type: str) -> str:
    """Sanitized HTML for a description: reST, Markdown or plain text by its content type."""
    if not text:
        return ""
    kind = (content_type or "text/x-rst").split(";")[0].strip().lower()
    html: str | None
    if kind == "text/markdown":
        html = readme_renderer.markdown.render(text)
    elif kind == "text/plain":
        html = readme_renderer.txt.render(text)
    else:
        # Invalid reST renders as None: fall back to plain text, as PyPI does.
        html = readme_renderer.rst.render(text) or readme_renderer.txt.render(text)
    # Fitted under the project page's headings once, here, not on every view.
    return str(readme_in_page(html)) if html else ""
