"""Report documents (HTML, PDF, DOCX, DOC, XLS, XLSX, text) to the canonical tables of report-schema.md.

`parse_report` never raises: bad input comes back as a result whose `status` is `error` or
`not_a_report`, with a `reason`. Plain code, no Scrapy.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from parsers.checks import run_checks, split_number_warnings
from parsers.extracted import Extracted, ParseError
from parsers.metadata import find_published, parse_title
from parsers.tables import build_tables, expand, recognize

PARSER_VERSION = "1.1.0"
MAX_BYTES = 64 * 1024 * 1024

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "docx", "doc", "xls", "xlsx", "text")
_CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/plain": "text",
}
_EXTENSIONS = {
    ".html": "html", ".htm": "html", ".shtml": "html", ".xhtml": "html", ".jsp": "html", ".php": "html",
    ".asp": "html", ".aspx": "html",
    ".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".xls": "xls", ".xlsx": "xlsx", ".txt": "text",
}
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")


def detect_format(data: bytes, url: str | None = None, content_type: str | None = None) -> str | None:
    """Magic bytes first, then the Content-Type, then the URL's extension."""
    head = data[:2048]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # OLE2: Word or Excel. The stream names tell which.
        if b"W\x00o\x00r\x00d\x00D\x00o\x00c" in data[:200000] or b"WordDocument" in data[:200000]:
            return "doc"
        if b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in data[:200000] or b"B\x00o\x00o\x00k" in data[:200000]:
            return "xls"
        return _from_hints(url, content_type) or "doc"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536]:
            return "docx"
        if b"xl/" in data[:65536]:
            return "xlsx"
        hinted = _from_hints(url, content_type)
        return hinted if hinted in ("docx", "xlsx") else "zip"
    if any(head.startswith(m) for m in _IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    hinted = _from_hints(url, content_type)
    if hinted in ("pdf", "docx", "doc", "xls", "xlsx"):
        # The hint says binary but the bytes are not: look at the bytes.
        hinted = None
    sniff = head.lstrip().lower()
    if sniff.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head.lower() or (
        b"<table" in head.lower() or b"<div" in head.lower() or b"<p" in head.lower()
    ):
        return "html"
    return hinted or "text"


def _from_hints(url: str | None, content_type: str | None) -> str | None:
    if content_type:
        ct = content_type.split(";")[0].strip().lower()
        if ct in _CONTENT_TYPES:
            return _CONTENT_TYPES[ct]
        if ct.startswith("image/"):
            return "image"
    if url:
        try:
            suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
        except ValueError:
            suffix = ""
        if suffix in _EXTENSIONS:
            return _EXTENSIONS[suffix]
    return None


def _charset_hint(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'").lower()
    return None


def _extract(fmt: str, data: bytes, url: str | None, content_type: str | None) -> Extracted:
    if fmt == "html":
        from parsers import html

        return html.extract(data, charset=_charset_hint(content_type))
    if fmt == "pdf":
        from parsers import pdf

        return pdf.extract(data)
    if fmt == "docx":
        from parsers import docx

        return docx.extract(data)
    if fmt == "doc":
        from parsers import doc

        return doc.extract(data)
    if fmt in ("xls", "xlsx"):
        from parsers import xls

        return xls.extract(data, fmt)
    from parsers import html as html_mod
    from parsers.normalize import normalize_document
    from parsers.text import text_stream

    text = normalize_document(html_mod.decode_bytes(data, _charset_hint(content_type))[0])
    stream, lines = text_stream(text)
    candidates = [ln for ln in lines[:30] if ln.strip()]
    return Extracted(format="text", stream=stream, lines=lines, text=text, title_candidates=candidates)


def empty_result(fmt: str | None, status: str, reason: str) -> dict:
    return {
        "agency": None, "year": None, "template": None,
        "table2": None, "table2_2019": None, "table3": None, "table4": None,
        "checks": [],
        "status": status, "reason": reason, "format": fmt, "title": None, "published": None,
        "provenance": {}, "warnings": [], "parser_version": PARSER_VERSION, "text": None,
    }


def parse_report(data: bytes | str, *, url: str | None = None, content_type: str | None = None) -> dict:
    """Parse one report document into the canonical JSON (plus status, provenance, warnings...)."""
    fmt: str | None = None
    try:
        if isinstance(data, str):
            raw = data.encode("utf-8", "surrogatepass")
        elif isinstance(data, bytes | bytearray | memoryview):
            raw = bytes(data)
        else:
            return empty_result(None, "error", f"unsupported input type {type(data).__name__}")
        if not raw.strip():
            return empty_result(None, "error", "empty document")
        if len(raw) > MAX_BYTES:
            return empty_result(None, "error", f"document too large ({len(raw)} bytes)")
        fmt = detect_format(raw, url, content_type)
        if fmt == "image":
            result = empty_result("image", "image_only", "the document is an image; reading images comes later")
            return result
        if fmt == "zip":
            return empty_result(None, "error", "a zip archive that is neither DOCX nor XLSX")
        extracted = _extract(fmt, raw, url, content_type)
        return _assemble(extracted)
    except ParseError as exc:
        return empty_result(fmt, "error", str(exc))
    except RecursionError:
        return empty_result(fmt, "error", "document nested too deeply")
    except MemoryError:
        return empty_result(fmt, "error", "document too large to parse")
    except Exception as exc:  # noqa: BLE001 - the contract: never an exception out of parse_report
        log.debug("parse_report failed", exc_info=True)
        return empty_result(fmt, "error", f"{type(exc).__name__}: {exc}"[:500])


def _assemble(ex: Extracted) -> dict:
    title = parse_title(ex.title_candidates)
    stream = expand(ex.stream)
    rec = recognize(stream)
    tables = build_tables(rec, title.year)
    result = empty_result(ex.format, "ok", "")
    result.update(
        agency=title.agency,
        year=title.year,
        template=tables.template,
        table2=tables.table2,
        table2_2019=tables.table2_2019,
        table3=tables.table3,
        table4=tables.table4,
        title=title.title,
        published=find_published(ex.meta_dates, ex.lines),
        provenance=tables.provenance,
        text=ex.text if ex.text is not None else "\n".join(ex.lines),
    )
    result["checks"] = run_checks(tables.table3, tables.table4)
    warnings = list(ex.warnings) + tables.warnings + split_number_warnings(tables.table3, tables.table4)
    result["warnings"] = warnings
    any_table = any(result[k] is not None for k in ("table2", "table2_2019", "table3", "table4"))
    if not any_table:
        result["template"] = None
        if ex.image_only:
            result["status"], result["reason"] = "image_only", ex.image_only
        elif title.year is not None and title.agency is not None:
            result["status"] = "partial"
            if ex.attachments:
                shown = ", ".join(ex.attachments[:5]) + (", …" if len(ex.attachments) > 5 else "")
                result["reason"] = f"a report page whose tables are in its attachments: {shown}"
            else:
                result["reason"] = "a report title but none of the three tables"
            if tables.unsure:
                result["reason"] += "; " + "; ".join(tables.unsure)
        else:
            result["status"], result["reason"] = "not_a_report", "no report title and none of the three tables"
        return result
    missing = [
        name
        for name, present in (
            ("table 2", result["table2"] is not None or result["table2_2019"] is not None),
            ("table 3", result["table3"] is not None),
            ("table 4", result["table4"] is not None),
        )
        if not present
    ]
    reasons = [f"{m} missing" for m in missing] + tables.unsure
    if reasons:
        result["status"] = "partial"
        result["reason"] = "; ".join(dict.fromkeys(reasons))
    result["reason"] = result["reason"] or None
    return result
