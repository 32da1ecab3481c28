"""HTML → PDF with WeasyPrint: tagged PDF/UA-1, in a given language, with no network access.

Templates live under `templates/pdf/` and are rendered with Flask's `render_template`, so
they use the same `_()`/`{% trans %}` catalogs as the pages. WeasyPrint resolves relative
URLs against the static folder (`href="css/pdf.css"`), and the only resources it may load
are files in that folder: a template, or a user's text that ends up in one, can never make
the server fetch a URL or read a file elsewhere on the disk.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from portal.i18n import force_locale

# PDF/UA-1 makes WeasyPrint tag the structure (headings, tables, lists), mark the file as
# tagged, set /Lang from <html lang> and show the <title> instead of the file name.
PDF_VARIANT = "pdf/ua-1"


class ResourceRefused(ValueError):
    """A PDF template asked for a resource that is not a file in the static folder."""


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files of one folder and refuses everything else.

    No http(s), no data: URLs, no file:// outside `root` (symlinks and `..` are resolved
    before the check). `fail_on_errors` turns a refusal into a failed rendering instead of
    WeasyPrint's default (a logged warning and a PDF without the resource), so a mistake
    shows up at once rather than as an unstyled receipt.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(fail_on_errors=True)
        self.root = root.resolve()

    def path_for(self, url: str) -> Path:
        """The file in `root` that `url` names; raise `ResourceRefused` for anything else."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"PDF resources must be static files, not {url!r}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ResourceRefused(f"{url!r} is not a file in the static folder")
        return path

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Return the static file `url` names; never opens a connection."""
        path = self.path_for(url)
        # WeasyPrint checks that a <link rel=stylesheet> is served as text/css.
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def static_fetcher() -> StaticOnlyFetcher:
    """The fetcher for the current app's static folder."""
    return StaticOnlyFetcher(Path(current_app.static_folder))


def render_pdf(template: str, locale: str, *, pdf_forms: bool = False, **context) -> bytes:
    """Render the Jinja `template` in `locale` and return it as a PDF/UA-1 document.

    The template gets `lang` (the locale) for its `<html lang>`, which becomes the PDF's
    document language; its `<title>` becomes the PDF title. Needs an app context.
    Raises `ResourceRefused` when the HTML refers to anything but a static file.
    With `pdf_forms`, HTML form fields become fillable PDF form fields (AcroForm).
    """
    with force_locale(locale):
        html = render_template(template, lang=locale, **context)
    fetcher = static_fetcher()
    # The trailing slash makes relative URLs resolve inside the folder, not next to it.
    base_url = fetcher.root.as_uri() + "/"
    try:
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
            pdf_variant=PDF_VARIANT, pdf_forms=pdf_forms
        )
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal error derives from BaseException, which would slip past
        # `except Exception` in Flask's error handling and in callers: re-raise ours.
        raise ResourceRefused(str(error.__cause__ or error)) from error


def render_minimal_pdf() -> bytes:
    """A one-page "Hello" document through `render_pdf`: the baseline of the benchmark."""
    return render_pdf("pdf/minimal.html", "en")
