"""The archived original of every report, served from the WARC files.

Routes:
  /-/archive/<report_id>            the report page as the portal served it
  /-/archive/<report_id>/document   the document its tables were read from (a PDF, DOCX… or the page)
  /-/archive/capture/<capture_id>   any capture of the crawl log (look-alikes, attachments, lists)

What the bytes are: the payload the portal sent, decoded from chunked transfer framing and from its
Content-Encoding (gzip/deflate/br) — exactly what a browser hands to the page after receiving it.
They are not re-encoded, so a reader's browser and `curl` see the same bytes, and they are never
rewritten (no injected <base>, no link rewriting). The original Content-Type is kept; the
X-Nianbao-* headers say where the record is, its payload digest (of the bytes as stored in the
WARC, i.e. before decoding) and the encoding that was removed.

Safety: archived HTML (and anything that is not a PDF) is served with
`Content-Security-Policy: sandbox` plus `default-src 'none'` (inline styles and data: images
allowed), so it can never run script on the Datasette origin nor fetch anything (not even from the
original portal). A PDF is served without the sandbox, because Chromium's PDF viewer refuses to
open inside a sandboxed document; it cannot script the origin either. `nosniff` everywhere.
"""

from __future__ import annotations

import asyncio
import html
import re
import sqlite3
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from datasette.utils.asgi import Response

from archive.db import record_resolver
from archive.replay import ArchiveReadError, read_response
from datasette import hookimpl

PLUGIN = "nianbao-archive"
SANDBOX_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def _database(datasette):
    config = datasette.plugin_config(PLUGIN) or {}
    name = config.get("database")
    if name:
        return datasette.get_database(name)
    for db in datasette.databases.values():
        if db.path and Path(db.path).name == "nianbao.db":
            return db
    return datasette.get_database()


def _warc_dir(datasette, db) -> Path:
    config = datasette.plugin_config(PLUGIN) or {}
    return Path(config.get("warc_dir") or Path(db.path).parent / "warc")


def _read(db_path: str, warc_dir: Path, warc_file: str, offset: int, record_id: str | None):
    """Blocking: read one record (following a revisit through the captures table)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return read_response(warc_dir, warc_file, offset, record_id, resolve=record_resolver(conn))
    finally:
        conn.close()


def _filename(url: str | None) -> str:
    name = PurePosixPath(urlsplit(url or "").path).name or "index.html"
    return _SAFE_NAME.sub("_", name)[:120]


async def _serve(datasette, capture: dict | None, what: str) -> Response:
    if capture is None or not capture.get("warc_file"):
        return Response.text(f"{what}: not in the archive\n", status=404)
    db = _database(datasette)
    try:
        archived = await asyncio.to_thread(_read, db.path, _warc_dir(datasette, db), capture["warc_file"],
                                           capture["warc_offset"], capture.get("warc_record_id"))
    except (ArchiveReadError, OSError) as exc:
        return Response.text(f"{what}: the archived record cannot be read: {exc}\n", status=500)
    content_type = archived.content_type or capture.get("content_type") or "application/octet-stream"
    is_pdf = content_type.split(";")[0].strip().lower() in ("application/pdf", "application/x-pdf")
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "public, max-age=31536000, immutable",
        "Content-Disposition": f"inline; filename*=UTF-8''{_quote(_filename(capture.get('url')))}",
        "X-Nianbao-Original-URL": _ascii(capture.get("url") or archived.target_uri or ""),
        "X-Nianbao-Record-ID": archived.record_id or "",
        "X-Nianbao-WARC": f"{capture['warc_file']}#{capture['warc_offset']}",
        "X-Nianbao-Fetched-At": capture.get("fetched_at") or "",
        "X-Nianbao-Payload-Digest": capture.get("payload_digest") or "",
        "X-Nianbao-Status": str(archived.status or ""),
    }
    if archived.content_encoding or archived.transfer_encoding:
        headers["X-Nianbao-Decoded"] = ", ".join(x for x in (archived.transfer_encoding, archived.content_encoding) if x)
    if archived.decode_error:
        headers["X-Nianbao-Decode-Error"] = _ascii(archived.decode_error)[:200]
    if not is_pdf:
        headers["Content-Security-Policy"] = SANDBOX_CSP
    return Response(archived.body, status=200, headers=headers, content_type=content_type)


def _ascii(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode("ascii")


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


async def _report(datasette, report_id: str):
    db = _database(datasette)
    rows = await db.execute("select id, url, warc_file, warc_offset, warc_record_id, payload_digest, fetched_at, "
                            "content_type, document_capture_id from reports where id = ?", [report_id])
    return dict(rows.first()) if rows.first() else None


async def _capture(datasette, capture_id: str | None):
    if not capture_id:
        return None
    db = _database(datasette)
    rows = await db.execute("select id, url, warc_file, warc_offset, warc_record_id, payload_digest, fetched_at, "
                            "content_type from captures where id = ?", [capture_id])
    return dict(rows.first()) if rows.first() else None


async def archived_report(request, datasette):
    return await _serve(datasette, await _report(datasette, request.url_vars["report_id"]), "report")


async def archived_document(request, datasette):
    report = await _report(datasette, request.url_vars["report_id"])
    capture = await _capture(datasette, report and report.get("document_capture_id"))
    return await _serve(datasette, capture or report, "document")


async def archived_capture(request, datasette):
    return await _serve(datasette, await _capture(datasette, request.url_vars["capture_id"]), "capture")


@hookimpl
def register_routes():
    return [
        (r"^/-/archive/capture/(?P<capture_id>[0-9a-f]{1,40})$", archived_capture),
        (r"^/-/archive/(?P<report_id>[0-9a-f]{1,40})/document$", archived_document),
        (r"^/-/archive/(?P<report_id>[0-9a-f]{1,40})$", archived_report),
    ]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Links: `archived` → the archived original; a report's `document_url` → also its archived copy;
    `report_id` in query results → the report's row page."""
    if column in ("report_id", "other_report_id") and table is None and isinstance(value, str) and value:
        href = datasette.urls.row(database, "reports", value)
        return _markup(f'<a href="{html.escape(href)}">{html.escape(value)}</a>')
    if column == "archived" and isinstance(value, str) and value.startswith("/-/archive/"):
        href = datasette.urls.path(value.lstrip("/"))
        return _markup(f'<a href="{html.escape(href)}" class="nianbao-archived">存档原件 archived original</a>')
    if table == "reports" and column == "document_url" and value:
        try:
            report_id = row["id"]
        except (IndexError, KeyError):
            return None
        href = datasette.urls.path(f"-/archive/{report_id}/document")
        return _markup(f'<a href="{html.escape(value)}">{html.escape(value)}</a> · '
                       f'<a href="{html.escape(href)}" class="nianbao-archived-document">存档 archived</a>')
    if table == "captures" and column == "warc_file" and value:
        try:
            capture_id = row["id"]
        except (IndexError, KeyError):
            return None
        href = datasette.urls.path(f"-/archive/capture/{capture_id}")
        return _markup(f'{html.escape(value)} · <a href="{html.escape(href)}">存档 archived</a>')
    return None


def _markup(text: str):
    from markupsafe import Markup

    return Markup(text)
