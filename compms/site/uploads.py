"""Uploaded files (evidence attachments, catalogue files): what is accepted and how it is served.

Accepted only when the content itself is one of the allowed kinds, whatever the name or the browser
says: PDF, PNG, JPEG, GIF, WebP, Office documents (OOXML packages with their main part, and the old
OLE2 compound files), OpenDocument files, and plain text (UTF-8 without NUL bytes and without
markup). HTML, SVG, XML and script are never accepted: SVG can carry script, and a page served
from the application's own origin could act as the user who opens it. The name's extension must
agree with the content (a ".pdf" that holds HTML is refused). Each file is at most
COMPMS_UPLOAD_MAX_MB megabytes.

Serving: `file_response` always sends a download (Content-Disposition: attachment with a safe
name), the content type of the checked kind (never text/html), X-Content-Type-Options: nosniff and
a Content-Security-Policy that sandboxes the document, so even a browser that opens it inline runs
nothing from it. The kind is checked again when a file is served, so a file stored before these
checks existed is served as application/octet-stream unless its content is an accepted kind.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse

SANDBOX_CSP = "default-src 'none'; sandbox"
UNKNOWN_TYPE = "application/octet-stream"
HEAD_BYTES = 64
# Never accepted, whatever the content: they open as pages or run as scripts.
REFUSED_EXTENSIONS = frozenset({".html", ".htm", ".xhtml", ".shtml", ".svg", ".svgz", ".js", ".mjs", ".xml", ".xsl",
                                ".xslt", ".hta", ".php", ".swf"})
# Markup that turns "plain text" into something a browser would render or run.
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|meta|link|style|\?xml)\b",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = Kind("pdf", "PDF document", "application/pdf", (".pdf",))
PNG = Kind("png", "PNG image", "image/png", (".png",))
JPEG = Kind("jpeg", "JPEG image", "image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"))
GIF = Kind("gif", "GIF image", "image/gif", (".gif",))
WEBP = Kind("webp", "WebP image", "image/webp", (".webp",))
DOCX = Kind("docx", "Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx",))
XLSX = Kind("xlsx", "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            (".xlsx",))
PPTX = Kind("pptx", "PowerPoint presentation",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",))
ODT = Kind("odt", "OpenDocument text", "application/vnd.oasis.opendocument.text", (".odt",))
ODS = Kind("ods", "OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", (".ods",))
ODP = Kind("odp", "OpenDocument presentation", "application/vnd.oasis.opendocument.presentation", (".odp",))
OLE2 = Kind("ole2", "Office 97-2003 document", "application/x-ole-storage", (".doc", ".xls", ".ppt", ".msg"))
TEXT = Kind("text", "plain text", "text/plain; charset=utf-8", (".txt", ".csv", ".tsv", ".md", ".log", ".json"))
KINDS = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, ODT, ODS, ODP, OLE2, TEXT)
ALLOWED_EXTENSIONS = tuple(sorted({ext for kind in KINDS for ext in kind.extensions}))
# The old binary formats share one container; the extension tells which program opens it.
OLE2_TYPES = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
              ".ppt": "application/vnd.ms-powerpoint", ".msg": "application/vnd.ms-outlook"}
OOXML_MAIN_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
OPENDOCUMENT_TYPES = {kind.content_type: kind for kind in (ODT, ODS, ODP)}


@dataclass(frozen=True)
class CheckedUpload:
    kind: Kind
    name: str  # the safe file name to store and to serve
    content_type: str
    size: int


def max_upload_bytes() -> int:
    return int(getattr(settings, "COMPMS_UPLOAD_MAX_MB", 20)) * 1024 * 1024


def safe_filename(name: str | None, default: str = "file") -> str:
    """The last path part of a name, reduced to letters, digits and . _ - ( ) and spaces, at most
    120 characters: nothing that could break out of a header or a folder."""
    base = PurePath(str(name or "").replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^A-Za-z0-9._() -]+", "_", base)
    if base.startswith("."):  # nothing was left of the stem (e.g. a name in another script)
        base = f"{default}{base}"
    base = base.strip(" .")
    base = re.sub(r"_+", "_", base)
    if not base or set(base) <= {"_", "."}:
        base = default
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = f"{stem[:110]}.{ext[:9]}" if dot and len(ext) <= 9 else base[:120]
    return base


def _zip_kind(stream: IO[bytes]) -> Kind | None:
    try:
        with zipfile.ZipFile(stream) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" in names:
                for part, kind in OOXML_MAIN_PARTS.items():
                    if part in names:
                        return kind
                return None
            if "mimetype" in names:
                declared = package.read("mimetype")[:100].decode("ascii", "replace").strip()
                return OPENDOCUMENT_TYPES.get(declared)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError, RuntimeError):
        return None
    return None


def _is_plain_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _MARKUP.search(data) is None


def sniff(stream: IO[bytes], limit: int | None = None) -> Kind | None:
    """The accepted kind the content is, or None. Reads from the start; leaves the position there."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    kind: Kind | None = None
    if head.startswith(b"%PDF-"):
        kind = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif head.startswith((b"GIF87a", b"GIF89a")):
        kind = GIF
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = WEBP
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        kind = OLE2
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(stream)
    else:
        data = stream.read(limit + 1 if limit is not None else -1)
        kind = TEXT if data and _is_plain_text(data) else None
    stream.seek(0)
    return kind


def _content_type(kind: Kind, name: str) -> str:
    if kind is OLE2:
        return OLE2_TYPES.get(PurePath(name).suffix.lower(), kind.content_type)
    return kind.content_type


def check_upload(upload: Any, field: str = "file") -> CheckedUpload:
    """Accept an uploaded file only if its content is an allowed kind that its name agrees with and
    it is within the size limit; otherwise a ValidationError on `field` that names the file."""
    shown = safe_filename(getattr(upload, "name", None))
    limit = max_upload_bytes()
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > limit:
        raise ValidationError({field: f"{shown} is {size / (1024 * 1024):.1f} MB; files may be at most "
                                      f"{limit // (1024 * 1024)} MB."})
    if size == 0:
        raise ValidationError({field: f"{shown} is empty."})
    extension = PurePath(shown).suffix.lower()
    if extension in REFUSED_EXTENSIONS:
        raise ValidationError({field: f"{shown}: {extension} files are not accepted (they can carry script). "
                                      f"Upload a PDF, an image, an Office document or plain text."})
    kind = sniff(upload, limit)
    if kind is None:
        raise ValidationError({field: f"{shown} is not an accepted kind of file: its content is not a PDF, PNG, "
                                      "JPEG, GIF or WebP image, Office or OpenDocument file, or plain text "
                                      "(HTML, SVG and scripts are never accepted)."})
    if extension and extension not in kind.extensions:
        raise ValidationError({field: f"{shown} holds a {kind.label}, not what its name ({extension}) says; "
                                      f"rename it to {kind.extensions[0]} or upload the right file."})
    if not extension:
        shown = f"{shown}{kind.extensions[0]}"
    return CheckedUpload(kind=kind, name=shown, content_type=_content_type(kind, shown), size=size)


def file_response(stream: IO[bytes], filename: str) -> FileResponse:
    """A stored upload as a download that no browser renders as a page of this site."""
    name = safe_filename(filename)
    kind = sniff(stream, max_upload_bytes())
    content_type = _content_type(kind, name) if kind is not None else UNKNOWN_TYPE
    response = FileResponse(stream, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    return response
