"""Safe Markdown: what facilitators and organisers type, as HTML that is safe anywhere."""

import functools

import nh3
from markupsafe import Markup

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


@functools.cache
def _parser():
    """Built on first use: markdown-it takes a noticeable moment to import."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    return parser.disable(["image", "heading", "lheading"])


def render_markdown(markdown: str | None) -> Markup:
    """Typed Markdown as HTML that is safe anywhere: raw HTML is shown as text,
    images and headings are not rendered, and links keep only http, https and mailto."""
    html = _parser().render(markdown or "")
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        url_relative="deny",
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned.strip())  # noqa: S704 - sanitised by nh3 just above
