"""Safe Markdown: what facilitators and organisers type, as HTML that is safe anywhere."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MARKDOWN.disable(["image", "heading", "lheading"])
_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "hr",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render_markdown(markdown: str | None) -> Markup:
    """Typed Markdown as HTML that is safe anywhere: raw HTML is shown as text,
    images and headings are not rendered, and links keep only http, https and mailto."""
    html = _MARKDOWN.render(markdown or "")
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned.strip())  # noqa: S704 - sanitised by nh3 just above
