"""HTML -> PDF with WeasyPrint, which takes about a second to import: only the functions
that make a PDF import this module.

The renderer gets a locked URL fetcher: it may read files under reports/ and inline
data: URIs, and nothing else. Text typed into notes can therefore never make the server
open a URL or read a file, even if escaping were ever bypassed.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML, Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.documents.render import REPORTS_DIR
from app.gc_pause import gc_paused

PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


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


def lay_out(html: str, *, fetcher: LockedURLFetcher | None = None) -> Document:
    """Tagged PDF/UA-1 pages, with title, author and language taken from the HTML head."""
    return HTML(
        string=html,
        base_url=REPORTS_DIR.as_uri() + "/",
        url_fetcher=fetcher or LockedURLFetcher(),
    ).render(**PDF_OPTIONS)


def render_pdf(
    html: str,
    *,
    fetcher: LockedURLFetcher | None = None,
    laid_out: Callable[[int], None] | None = None,
) -> bytes:
    """Layout and writing are two steps so that a progress bar can move between them;
    `laid_out` gets the number of pages the layout made. The collector is paused (see
    app.gc_pause): the boxes of every page stay alive together until the PDF is written,
    and rescanning them took about a seventh of the report's time."""
    with gc_paused():
        # The document is let go before the collector resumes, so that its first sweep
        # finds the boxes' cycles unreachable rather than moving them to an older
        # generation (the memory of a whole report, for several reports).
        return _written(html, fetcher, laid_out)


def _written(html: str, fetcher, laid_out) -> bytes:
    document = lay_out(html, fetcher=fetcher)
    if laid_out is not None:
        laid_out(len(document.pages))
    return document.write_pdf(**PDF_OPTIONS)
