"""Read one archived response back from a WARC file, by the location the crawl log gives.

The WARC keeps the bytes exactly as served (chunked framing and Content-Encoding included).
Here they are decoded the way a browser would receive them: chunked transfer framing removed,
then gzip/deflate/br content coding undone. That decoded payload is what the parser reads and
what the Datasette site serves as the "archived original" (see datasette/plugins/nianbao_archive.py).
A coding that does not decode (a portal that labels plain bytes as gzip) leaves the bytes as they
were, with `decode_error` saying why: nothing is lost and nothing raises.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


class ArchiveReadError(Exception):
    """The log points at something that is not the record it names."""


@dataclass
class ArchivedResponse:
    record_id: str
    record_type: str
    target_uri: str | None
    status: int | None
    content_type: str | None
    content_encoding: str | None
    transfer_encoding: str | None
    raw: bytes  # the payload as stored (after HTTP headers)
    body: bytes  # decoded: what a browser would hand to the page
    decode_error: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


def warc_path(warc_dir: Path, warc_file: str) -> Path:
    """`warc_file` resolved inside `warc_dir`; a name that escapes it is refused."""
    base = Path(warc_dir).resolve()
    path = (base / warc_file).resolve()
    if base != path.parent and base not in path.parents:
        raise ArchiveReadError(f"WARC file {warc_file!r} is outside {base}")
    return path


Resolver = Callable[[str], "tuple[str, int] | None"]


def read_response(warc_dir: Path, warc_file: str, offset: int, record_id: str | None = None, *,
                  resolve: Resolver | None = None, _depth: int = 0) -> ArchivedResponse:
    """The record at `offset` of `warc_file` (never searched for: the log says where it is).

    A ``revisit`` record (an unchanged payload in a later crawl) holds no payload: `resolve` maps
    its WARC-Refers-To record id to the (file, offset) of the original, which is returned instead.
    """
    path = warc_path(warc_dir, warc_file)
    if not path.is_file():
        raise ArchiveReadError(f"WARC file not found: {warc_file}")
    with path.open("rb") as f:
        f.seek(int(offset))
        try:
            record = next(iter(ArchiveIterator(f)))
        except StopIteration:
            raise ArchiveReadError(f"no WARC record at {warc_file}:{offset}") from None
        except Exception as exc:  # warcio raises assorted errors on a bad offset
            raise ArchiveReadError(f"unreadable WARC record at {warc_file}:{offset}: {exc}") from exc
        if record.format != "warc":  # bytes in the middle of a record can parse as an old ARC header line
            raise ArchiveReadError(f"no WARC record at {warc_file}:{offset} (found {record.format})")
        found_id = record.rec_headers.get_header("WARC-Record-ID")
        if record_id and found_id != record_id:
            raise ArchiveReadError(f"record at {warc_file}:{offset} is {found_id}, the log says {record_id}")
        if record.rec_type == "revisit":
            refers_to = record.rec_headers.get_header("WARC-Refers-To")
            where = resolve(refers_to) if (resolve and refers_to) else None
            if where is None or _depth > 3:
                raise ArchiveReadError(f"revisit record {found_id} refers to {refers_to}, which is not in the archive")
            return read_response(warc_dir, where[0], where[1], refers_to, resolve=resolve, _depth=_depth + 1)
        raw = record.raw_stream.read()
        http = record.http_headers
    status = int(http.get_statuscode()) if http is not None and http.get_statuscode() else None
    headers = list(http.headers) if http is not None else []

    def header(name: str) -> str | None:
        return http.get_header(name) if http is not None else None

    content_type = header("Content-Type") or (record.rec_headers.get_header("Content-Type") if http is None else None)
    body, error = decode_payload(raw, header("Transfer-Encoding"), header("Content-Encoding"))
    return ArchivedResponse(
        record_id=found_id,
        record_type=record.rec_type,
        target_uri=record.rec_headers.get_header("WARC-Target-URI"),
        status=status,
        content_type=content_type,
        content_encoding=header("Content-Encoding"),
        transfer_encoding=header("Transfer-Encoding"),
        raw=raw,
        body=body,
        decode_error=error,
        headers=headers,
    )


def decode_payload(raw: bytes, transfer_encoding: str | None, content_encoding: str | None) -> tuple[bytes, str | None]:
    """(decoded bytes, why a step was skipped or None)."""
    data, errors = raw, []
    if transfer_encoding and "chunked" in transfer_encoding.lower():
        try:
            data = dechunk(data)
        except ValueError as exc:
            errors.append(f"chunked: {exc}")
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):  # applied in order listed, so undone last-first
        try:
            data = decompress(data, coding)
        except Exception as exc:  # zlib/brotli errors differ by codec; all mean "not that coding"
            errors.append(f"{coding}: {exc}")
            break
    return data, "; ".join(errors) or None


def dechunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            raise ValueError("chunk size line not terminated")
        size_text = data[pos:end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ValueError(f"bad chunk size {size_text[:20]!r}") from None
        pos = end + 2
        if size == 0:
            return bytes(out)
        if pos + size > len(data):
            raise ValueError("truncated chunk")
        out += data[pos : pos + size]
        pos += size
        if data[pos : pos + 2] == b"\r\n":
            pos += 2


def decompress(data: bytes, coding: str) -> bytes:
    if coding in ("identity", ""):
        return data
    if coding in ("gzip", "x-gzip"):
        if not data.startswith(b"\x1f\x8b"):
            raise ValueError("not gzip data")
        return zlib.decompress(data, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        try:
            return zlib.decompress(data)
        except zlib.error:
            return zlib.decompress(data, -zlib.MAX_WBITS)  # raw deflate, as some servers send
    if coding == "br":
        import brotli

        return brotli.decompress(data)
    raise ValueError(f"unknown content coding {coding!r}")
