"""Context dict -> HTML (Jinja over reports/) -> PDF (WeasyPrint).

The PDF renderer gets a locked URL fetcher: it may read files under reports/ and
inline data: URIs, and nothing else. Text typed into notes can therefore never make the
server open a URL or read a file, even if escaping were ever bypassed.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"
PAGE_SIZES = {"A4", "Letter"}


class RefusedURL(ValueError):
    """The report asked for something outside reports/."""


class LockedURLFetcher(URLFetcher):
    """Serves files under reports/ (and data: URIs); refuses every other URL."""

    def __init__(self, root: Path = REPORTS_DIR) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                return self._refuse(url)
            path = Path(unquote(parts.path)).resolve()
            if path.is_relative_to(self.root) and path.is_file():
                mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, body=path.read_bytes(), headers={"Content-Type": mimetype}
                )
        return self._refuse(url)

    def _refuse(self, url: str):
        self.refused.append(url)
        raise RefusedURL(f"report may not fetch {url[:200]}")


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


def render_pdf(
    html: str,
    *,
    fetcher: LockedURLFetcher | None = None,
    laid_out: Callable[[int], None] | None = None,
) -> bytes:
    """Tagged PDF/UA-1 with title, author and language taken from the HTML head.

    Layout and writing are two steps so that a progress bar can move between them;
    `laid_out` gets the number of pages the layout made."""
    fetcher = fetcher or LockedURLFetcher()
    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
    document = HTML(
        string=html,
        base_url=REPORTS_DIR.as_uri() + "/",
        url_fetcher=fetcher,
    ).render(**options)
    if laid_out is not None:
        laid_out(len(document.pages))
    return document.write_pdf(**options)


def page_size(value: str | None) -> str:
    return value if value in PAGE_SIZES else "Letter"
