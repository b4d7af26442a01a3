"""Context dict -> HTML (Jinja over reports/); app.documents.pdf turns it into the PDF."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"
PAGE_SIZES = {"A4", "Letter"}


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(REPORTS_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["count"] = lambda value: "" if value is None else f"{int(value):,}"
    env.filters["percent"] = lambda value: "" if value is None else f"{100 * value:.0f}%"
    env.filters["signed"] = lambda value: "" if value is None else f"{int(value):+,}"
    env.filters["safe_html"] = _trusted_html
    return env


def _trusted_html(value) -> Markup:
    """Only strings already wrapped as Markup (sanitised upstream) pass unescaped."""
    if isinstance(value, Markup):
        return value
    return Markup.escape(value)


_ENV: Environment | None = None


def render_html(context: dict, *, for_web: bool = False, standalone: bool = False) -> str:
    """The report as one HTML document. `for_web` links the stylesheet for a browser
    (or, `standalone`, embeds it so the file can be opened anywhere); the PDF reads the
    same stylesheet through the locked fetcher."""
    global _ENV
    if _ENV is None:
        _ENV = environment()
    css = Markup((REPORTS_DIR / "summary.css").read_text()) if standalone else ""  # noqa: S704
    return _ENV.get_template("summary.html").render(
        **context, for_web=for_web or standalone, inline_css=css
    )


def page_size(value: str | None) -> str:
    return value if value in PAGE_SIZES else "Letter"
