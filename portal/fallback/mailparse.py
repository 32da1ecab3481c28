"""Reading an incoming message with the standard library (`email`, policy=default).

What the intake needs from a message: who sent it, its Message-ID and subject (RFC 2047
decoded), its text, its attachments (RFC 2231 names; base64 and quoted-printable decoded;
nested `message/rfc822` messages opened; Outlook's `winmail.dat` unpacked with
`tnefparse`), whether a machine sent it (RFC 3834) and whether it is too broken to trust.
Nothing here touches the database or the disk.

Raw 8-bit bytes in headers (a `From` in UTF-8, as SMTPUTF8 mail and sloppy clients send)
reach Python as lone surrogates; `clean()` turns them back into the UTF-8 they were (or
U+FFFD), so no value read here can fail to be stored, and non-ASCII addresses are read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import errors, policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

from tnefparse.tnef import TNEF

MAX_DEPTH = 5  # message/rfc822 inside message/rfc822 ...
MAX_PARTS = 200
# Defects that mean a part's boundaries or content cannot be trusted.
FATAL_DEFECTS = (
    errors.StartBoundaryNotFoundDefect,
    errors.CloseBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.NoBoundaryInMultipartDefect,
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64LengthDefect,
)
SIGNATURE_TYPES = {
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
    "application/pgp-keys",
}
TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
BOUNCE_SENDERS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
# Subjects that answering machines use, when they forget the headers (nl, fr, de, en).
AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[ -]?reply|out of (the )?office|autoreply|"
    r"automatisch antwoord|afwezig(heidsmelding)?|réponse automatique|absence du bureau|"
    r"automatische antwort|abwesenheitsnotiz|undeliverable|undelivered mail|"
    r"delivery status notification|mail delivery failed|onbestelbaar|non remis)\b",
    re.IGNORECASE,
)
# Trace headers a second delivery of the same message adds or changes.
IDENTITY_HEADERS = ("from", "to", "cc", "date", "subject", "message-id")


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    declared_type: str
    from_tnef: bool = False


@dataclass
class ParsedMail:
    message_id: str | None = None
    sender: str | None = None
    subject: str = ""
    text: str = ""
    nested_texts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str | None = None  # why a machine sent it: no answer, ever
    no_auto_answer: bool = False  # the sender asked for none, or the spam filter flagged it
    broken: str | None = None  # why the structure cannot be trusted
    content_hash: str | None = None


def clean(text: str) -> str:
    """Text any database stores: surrogate escapes decoded as UTF-8 (else U+FFFD), no NUL."""
    if text.isascii() and "\x00" not in text:
        return text
    restored = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return restored.replace("\x00", "\N{REPLACEMENT CHARACTER}")


def _parser() -> BytesParser:
    return BytesParser(policy=policy.default)


def content_hash(data: bytes) -> str:
    """A hash of the message without the headers that each delivery changes."""
    data = data.replace(b"\r\n", b"\n")
    head, _sep, body = data.partition(b"\n\n")
    # The raw header values are what identifies a message: compat32 reads them unparsed.
    message = BytesParser(policy=policy.compat32).parsebytes(head + b"\n\n", headersonly=True)
    digest = hashlib.sha256()
    for name in IDENTITY_HEADERS:
        for value in message.get_all(name, []) or []:
            digest.update(f"{name}:{str(value).strip()}\n".encode("utf-8", "replace"))
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def parse_headers(head: bytes) -> ParsedMail:
    """Only the headers (for a message too large to open)."""
    message = _parser().parsebytes(head, headersonly=True)
    parsed = ParsedMail()
    _read_headers(message, parsed)
    return parsed


def parse(data: bytes) -> ParsedMail:
    parsed = ParsedMail(content_hash=content_hash(data))
    try:
        message = _parser().parsebytes(data)
        _read_headers(message, parsed)
        if parsed.sender is None and parsed.broken is None:
            parsed.broken = "no sender address in From"
        walker = _Walker(parsed)
        walker.walk(message, depth=0, related=False)
        parsed.text = walker.text
    except Exception as error:  # noqa: BLE001 - any parser failure means "broken MIME"
        parsed.broken = clean(f"{type(error).__name__}: {error}")[:500]
    return parsed


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a header so broken the parser cannot read it
        return ""
    return clean(str(value)).strip() if value is not None else ""


def _sender(message: EmailMessage) -> str | None:
    """The first address in From, read again from clean text (8-bit and SMTPUTF8 alike)."""
    value = _header(message, "From")
    if not value:
        return None
    try:
        addresses = policy.default.header_factory("from", value).addresses
    except Exception:  # noqa: BLE001 - unreadable: no sender
        return None
    for address in addresses:
        if address.username and address.domain:
            return clean(address.addr_spec).lower()[:254]
    return None


def _read_headers(message: EmailMessage, parsed: ParsedMail) -> None:
    message_id = _header(message, "Message-ID")
    parsed.message_id = message_id[:500] or None
    parsed.subject = " ".join(_header(message, "Subject").split())
    parsed.sender = _sender(message)
    parsed.automatic = _automatic(message, parsed)
    suppress = _header(message, "X-Auto-Response-Suppress").lower()
    spam = _header(message, "X-Spam-Flag").lower() == "yes"  # as the MTA's filter marked it
    parsed.no_auto_answer = spam or any(w in suppress for w in ("all", "autoreply", "oof"))


def _automatic(message: EmailMessage, parsed: ParsedMail) -> str | None:
    """Why the message was sent by a machine (RFC 3834 and common practice), or None."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"[:200]
    if _header(message, "Return-Path") == "<>":
        return "empty Return-Path (a bounce)"
    if message.get_content_type() == "multipart/report":
        return "delivery or read report"
    if parsed.sender and parsed.sender.split("@")[0] in BOUNCE_SENDERS:
        return "sent by a mail server"
    precedence = _header(message, "Precedence").lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    if _header(message, "List-Id") or _header(message, "List-Unsubscribe"):
        return "mailing list"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if _header(message, name):
            return f"{name} header"
    if AUTO_SUBJECT.match(parsed.subject):
        return "subject of an answering machine"
    return None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())


class _Walker:
    def __init__(self, parsed: ParsedMail) -> None:
        self.parsed = parsed
        self.parts = 0
        self.top_text = ""
        self.top_html = ""

    def walk(self, part: EmailMessage, depth: int, related: bool) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS or depth > MAX_DEPTH:
            raise ValueError("too many parts or nested messages")
        fatal = [d for d in part.defects if isinstance(d, FATAL_DEFECTS)]
        if fatal:
            raise ValueError(type(fatal[0]).__name__)
        content_type = part.get_content_type()
        if content_type == "message/rfc822":  # before is_multipart(), which it also is
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) else payload
            if not isinstance(inner, EmailMessage):
                raise ValueError("unreadable attached message")
            self.parsed.nested_texts.append(_header(inner, "Subject"))
            saved = (self.top_text, self.top_html)
            self.top_text = self.top_html = ""
            self.walk(inner, depth + 1, False)
            self.parsed.nested_texts.append(self.top_text or html_to_text(self.top_html))
            self.top_text, self.top_html = saved
            return
        if part.is_multipart():
            inner_related = content_type == "multipart/related"
            for child in part.iter_parts():
                self.walk(child, depth, related or inner_related)
            return
        disposition = part.get_content_disposition()
        file_name = part.get_filename()
        if content_type in SIGNATURE_TYPES:
            return
        if (
            content_type in ("text/plain", "text/html")
            and not file_name
            and disposition != ("attachment")
        ):
            self._body_text(part, content_type)
            return
        if related and part.get("Content-ID") and disposition != "attachment":
            return  # a picture shown in the HTML body (a logo in a signature)
        data = part.get_payload(decode=True) or b""
        fatal = [d for d in part.defects if isinstance(d, FATAL_DEFECTS)]
        if fatal:
            raise ValueError(f"{type(fatal[0]).__name__} in {file_name or content_type}")
        if content_type in TNEF_TYPES or (file_name or "").lower() == "winmail.dat":
            self._tnef(data)
            return
        name = clean(file_name or "") or f"attachment-{len(self.parsed.attachments) + 1}"
        self.parsed.attachments.append(Attachment(name, data, content_type))

    def _body_text(self, part: EmailMessage, content_type: str) -> None:
        try:
            text = part.get_content()
        except (LookupError, UnicodeError):
            text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
        text = clean(text)
        if content_type == "text/plain" and not self.top_text:
            self.top_text = text
        elif content_type == "text/html" and not self.top_html:
            self.top_html = text

    def _tnef(self, data: bytes) -> None:
        try:
            tnef = TNEF(data, do_checksum=False)
        except Exception as error:  # noqa: BLE001 - a winmail.dat we cannot read
            raise ValueError(f"unreadable winmail.dat: {error}") from error
        if tnef.body and not self.top_text:
            body = tnef.body
            text = body if isinstance(body, str) else body.decode("cp1252", "replace")
            self.top_text = clean(text)
        for attachment in tnef.attachments:
            if hasattr(attachment, "embed"):
                continue  # an Outlook item (a message or a meeting), not a file
            try:
                name = attachment.long_filename() or attachment.name
            except UnicodeDecodeError:
                name = bytes(attachment._name).decode("cp1252", "replace").strip("\x00")
            self.parsed.attachments.append(
                Attachment(clean(name or "") or "winmail-attachment", attachment.data, "", True)
            )

    # the text of the message for finding the code and the language
    @property
    def text(self) -> str:
        return self.top_text or html_to_text(self.top_html)
