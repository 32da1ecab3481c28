"""HTML → PDF with WeasyPrint: tagged PDF/UA-1, in a given language, with no network access.

Templates live under `templates/pdf/` and are rendered with Flask's `render_template`, so
they use the same `_()`/`{% trans %}` catalogs as the pages. Every PDF gets the print
stylesheet (`static/css/pdf.css`, parsed once per thread: `print_stylesheet`). WeasyPrint
resolves relative URLs against the static folder, and the only resources it may load are
files in that folder: a template, or a user's text that ends up in one, can never make the
server fetch a URL or read a file elsewhere on the disk.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from portal.i18n import force_locale
from portal.keep import remember

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


_kept = threading.local()  # this thread's font configuration and print stylesheet


def font_config() -> FontConfiguration:
    """This thread's font configuration: the system fonts, gathered once and kept.

    Without one, WeasyPrint makes a new configuration for every document: it loads
    Fontconfig's settings and font list again, and Pango loads each face anew at each size
    it is used in. That was about a third of a minimal page and a sixth of a receipt
    (issue #15). Kept per thread, as Pango's font maps are not made to be shared between
    threads; gunicorn's workers recycle now and then, which bounds what it holds, and fonts
    installed on the machine later are seen after a restart. The templates declare no
    `@font-face`, so nothing is ever added to it (and the fetcher would refuse a font from
    anywhere but the static folder).
    """
    config = getattr(_kept, "config", None)
    if config is None:
        config = _kept.config = FontConfiguration()
    return config


def static_fetcher() -> StaticOnlyFetcher:
    """The fetcher for the current app's static folder."""
    return StaticOnlyFetcher(Path(current_app.static_folder))


PRINT_STYLESHEET = "css/pdf.css"  # in the static folder


def print_stylesheet(fetcher: StaticOnlyFetcher | None = None) -> CSS:
    """The print stylesheet, parsed once per thread (again when the file changes).

    A `<link>` in the template had WeasyPrint fetch, parse and compile it for every
    document: about a quarter of a minimal page (issue #15). Given to WeasyPrint as a user
    stylesheet, it still comes before a template's own `<style>` (the fillable form's),
    which now always wins over it; no template relies on the opposite.
    """
    fetcher = fetcher or static_fetcher()
    key = _stylesheet_version(fetcher)
    kept = getattr(_kept, "stylesheet", None)
    if kept is None or kept[0] != key:
        path = fetcher.root / PRINT_STYLESHEET
        sheet = CSS(url=path.as_uri(), url_fetcher=fetcher, font_config=font_config())
        kept = _kept.stylesheet = (key, sheet)
    return kept[1]


def _stylesheet_version(fetcher: StaticOnlyFetcher) -> tuple[str, int, int]:
    path = fetcher.root / PRINT_STYLESHEET
    stat = path.stat()
    return (str(path), stat.st_mtime_ns, stat.st_size)


def _document(html: str, pdf_forms: bool) -> tuple[HTML, dict]:
    """WeasyPrint's document of `html` and the options to render it with: one fetcher for
    its resources and its stylesheet."""
    fetcher = static_fetcher()
    # The trailing slash makes relative URLs resolve inside the folder, not next to it.
    document = HTML(string=html, base_url=fetcher.root.as_uri() + "/", url_fetcher=fetcher)
    options = {
        "pdf_variant": PDF_VARIANT,
        "pdf_forms": pdf_forms,
        "font_config": font_config(),
        "stylesheets": [print_stylesheet(fetcher)],
    }
    return document, options


def laid_out(html: str) -> Document:
    """`html` laid out in pages as `render_pdf` lays it out (for tests of the layout)."""
    document, options = _document(html, False)
    return document.render(**options)


def _source(template: str, locale: str, context: dict) -> str:
    with force_locale(locale):
        return render_template(template, lang=locale, **context)


def _write(html: str, pdf_forms: bool) -> bytes:
    try:
        document, options = _document(html, pdf_forms)
        return document.write_pdf(**options)
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal error derives from BaseException, which would slip past
        # `except Exception` in Flask's error handling and in callers: re-raise ours.
        raise ResourceRefused(str(error.__cause__ or error)) from error


def render_pdf(template: str, locale: str, *, pdf_forms: bool = False, **context) -> bytes:
    """Render the Jinja `template` in `locale` and return it as a PDF/UA-1 document.

    The template gets `lang` (the locale) for its `<html lang>`, which becomes the PDF's
    document language; its `<title>` becomes the PDF title. Needs an app context.
    Raises `ResourceRefused` when the HTML refers to anything but a static file.
    With `pdf_forms`, HTML form fields become fillable PDF form fields (AcroForm).
    """
    return _write(_source(template, locale, context), pdf_forms)


KEPT_STORE = "portal.pdf.kept"
KEPT_DOCUMENTS = 16  # four languages of the blank form, and room for a few more


def kept_pdf(template: str, locale: str, *, pdf_forms: bool = False, **context) -> bytes:
    """`render_pdf` for a document that is the same for everyone who asks for it, rendered
    once per process and kept (at most `KEPT_DOCUMENTS`, emptied at the limit).

    The blank application form is public and took 0.37 s of a worker and 450 KB for every
    download (issue #15): a few visitors a second would have kept the web workers busy.
    It is kept under the SHA-256 of its HTML, which is rendered for each request (about
    2 ms), with the version of the print stylesheet: whatever changes the document
    (a translation, a rule, the template, the stylesheet) makes a new key, so a kept PDF
    is never stale, and a query string that changes nothing adds no entry.
    """
    html = _source(template, locale, context)
    key = (
        hashlib.sha256(html.encode()).hexdigest(),
        pdf_forms,
        _stylesheet_version(static_fetcher()),
    )
    kept = current_app.extensions.setdefault(KEPT_STORE, {})
    data = kept.get(key)
    if data is None:
        data = remember(kept, key, _write(html, pdf_forms), KEPT_DOCUMENTS)
    return data


def render_minimal_pdf() -> bytes:
    """A one-page "Hello" document through `render_pdf`: the baseline of the benchmark."""
    return render_pdf("pdf/minimal.html", "en")
