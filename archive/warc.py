"""WARC 1.1 writing on warcio, keeping every HTTP byte exactly as it crossed the wire.

warcio re-serialises HTTP headers when it is handed parsed headers (it rebuilds the status line and
%-encodes non-ASCII values). To keep the server's bytes, we hand warcio the whole HTTP block
(status line, header block, body, as received: still chunked and content-encoded where the server
sent it so) as an opaque stream and compute both digests ourselves:

* ``WARC-Block-Digest``: SHA-1 of the whole block;
* ``WARC-Payload-Digest``: SHA-1 of the bytes after the header block, which is what
  ``warcio check`` verifies (and what warcio's own capture writes).

One gzip member per record, a ``warcinfo`` record at the head of every file, size-based rotation.
``write_resource`` and ``write_revisit`` serve the browser path (rendered DOM) and the incremental
re-crawl (unchanged payloads).
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
import zlib
from base64 import b32encode
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

WARC_VERSION = "WARC/1.1"
HTTP_RESPONSE_TYPE = "application/http;msgtype=response"
HTTP_REQUEST_TYPE = "application/http;msgtype=request"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
GZIP_LEVEL = 6


def sha1_digest(data: bytes) -> str:
    """``sha1:BASE32`` as WARC (and the crawl log) spell it."""
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode("ascii")


def split_http_head(block: bytes) -> tuple[bytes, bytes]:
    """Split an HTTP message into its head (up to and including the blank line) and the rest.

    Tolerates bare-LF servers. A block without a blank line is all head (a truncated message).
    """
    hits = [(at, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (at := block.find(sep)) >= 0]
    if hits:
        at, size = min(hits)
        return block[: at + size], block[at + size :]
    return block, b""


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def utc_now() -> datetime:
    return datetime.now(UTC)


def warc_date(moment: datetime) -> str:
    """WARC 1.1 date with microseconds (W3C-DTF, UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return datetime_to_iso_date(moment, use_micros=True)


@dataclass(frozen=True)
class WarcLocation:
    """Where a record landed: what the crawl log stores so `build` never has to rediscover."""

    warc_file: str  # relative to the WARC directory
    warc_offset: int
    warc_length: int  # compressed length of the gzip member
    warc_record_id: str
    payload_digest: str
    block_digest: str
    warc_date: str

    def as_dict(self) -> dict:
        return asdict(self)


class WarcFileWriter:
    """Appends records to ``<prefix>-NNNNN.warc.gz`` files in ``directory``, rotating by size.

    ``record_id`` and ``clock`` are injectable so golden tests get identical bytes every run.
    Files are flushed after every record: a crash loses at most the record being written.
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        prefix: str,
        *,
        max_size: int = 1_000_000_000,
        warcinfo: dict[str, str] | None = None,
        record_id: Callable[[], str] = new_record_id,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo = dict(warcinfo or {})
        self._record_id = record_id
        self._clock = clock
        self._serial = 0
        self._fh: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self._name = ""
        self._warcinfo_id = ""
        self.files: list[str] = []
        self.records_written = 0
        self.bytes_written = 0

    # -- files ---------------------------------------------------------------------------------
    def _next_name(self) -> str:
        while True:
            self._serial += 1
            name = f"{self.prefix}-{self._serial:05d}.warc.gz"
            if not (self.directory / name).exists():
                return name

    def _open(self) -> None:
        self._name = self._next_name()
        self._fh = open(self.directory / self._name, "ab")  # noqa: SIM115 (closed in close())
        # warcio writes each record uncompressed into a buffer; we gzip it as one member at
        # level 6 (warcio's own wrapper uses level 9: 2-3x the CPU for a few % smaller files)
        self._buffer = io.BytesIO()
        self._writer = WARCWriter(self._buffer, gzip=False, warc_version=WARC_VERSION)
        self.files.append(self._name)
        self._warcinfo_id = self._record_id()
        fields = {"software": "nianbao (warcio)", "format": "WARC File Format 1.1",
                  "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"}
        fields.update(self.warcinfo)
        body = "".join(f"{k}: {v}\r\n" for k, v in fields.items() if v).encode("utf-8")
        headers = [
            ("WARC-Type", "warcinfo"),
            ("WARC-Record-ID", self._warcinfo_id),
            ("WARC-Date", warc_date(self._clock())),
            ("WARC-Filename", self._name),
            ("WARC-Block-Digest", sha1_digest(body)),
            ("Content-Type", "application/warc-fields"),
        ]
        self._emit(headers, body, "application/warc-fields", "warcinfo")

    def _ensure_open(self) -> None:
        if self._fh is None:
            self._open()
        elif self.max_size and self._fh.tell() >= self.max_size:
            self.close()
            self._open()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self._writer = None

    @property
    def current_file(self) -> str:
        return self._name

    # -- records -------------------------------------------------------------------------------
    def _emit(self, headers: list[tuple[str, str]], block: bytes, content_type: str, rec_type: str) -> tuple[int, int]:
        assert self._fh is not None and self._writer is not None
        status = StatusAndHeaders("", headers, protocol=WARC_VERSION)
        # warcio writes only parsed HTTP headers for a record typed ``revisit`` (and we hand it none):
        # typed as a resource here it writes our block; the WARC-Type header above stays ``revisit``
        as_type = "resource" if rec_type == "revisit" else rec_type
        record = ArcWarcRecord("warc", as_type, status, io.BytesIO(block), None, content_type, len(block))
        record.payload_length = len(block)
        offset = self._fh.tell()
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.write_record(record)  # digests already present: warcio writes the block as-is
        deflate = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        self._fh.write(deflate.compress(self._buffer.getvalue()) + deflate.flush())
        self._fh.flush()
        length = self._fh.tell() - offset
        self.records_written += 1
        self.bytes_written += length
        return offset, length

    def _common(self, rec_type: str, record_id: str, date: str, uri: str | None) -> list[tuple[str, str]]:
        headers = [("WARC-Type", rec_type), ("WARC-Record-ID", record_id), ("WARC-Date", date)]
        if uri is not None:
            headers.append(("WARC-Target-URI", uri))
        headers.append(("WARC-Warcinfo-ID", self._warcinfo_id))
        return headers

    def write_exchange(
        self,
        url: str,
        request_block: bytes,
        response_block: bytes,
        *,
        ip_address: str | None = None,
        date: datetime | None = None,
        truncated: str | None = None,
        extra_headers: list[tuple[str, str]] | None = None,
    ) -> WarcLocation:
        """A ``response`` record (the server's bytes) followed by its ``request`` record.

        ``truncated`` is the WARC-Truncated reason (``length``, ``time``, ``disconnect``) when the
        body was cut short; the record still holds every byte that arrived.
        """
        self._ensure_open()
        when = warc_date(date or self._clock())
        resp_id = self._record_id()
        _, resp_payload = split_http_head(response_block)
        payload_digest = sha1_digest(resp_payload)
        block_digest = sha1_digest(response_block)
        headers = self._common("response", resp_id, when, url)
        if ip_address:
            headers.append(("WARC-IP-Address", ip_address))
        headers += [("WARC-Payload-Digest", payload_digest), ("WARC-Block-Digest", block_digest)]
        if truncated:
            headers.append(("WARC-Truncated", truncated))
        headers += list(extra_headers or [])
        headers.append(("Content-Type", HTTP_RESPONSE_TYPE))
        file_name = self._name
        offset, length = self._emit(headers, response_block, HTTP_RESPONSE_TYPE, "response")

        self._write_request(url, request_block, when, resp_id, ip_address)
        return WarcLocation(file_name, offset, length, resp_id, payload_digest, block_digest, when)

    def _write_request(self, url: str, request_block: bytes, when: str, concurrent_to: str,
                       ip_address: str | None = None) -> None:
        """The ``request`` record that goes with a response or revisit record."""
        _, req_payload = split_http_head(request_block)
        headers = self._common("request", self._record_id(), when, url)
        if ip_address:
            headers.append(("WARC-IP-Address", ip_address))
        headers += [
            ("WARC-Concurrent-To", concurrent_to),
            ("WARC-Payload-Digest", sha1_digest(req_payload)),
            ("WARC-Block-Digest", sha1_digest(request_block)),
            ("Content-Type", HTTP_REQUEST_TYPE),
        ]
        self._emit(headers, request_block, HTTP_REQUEST_TYPE, "request")

    def write_resource(
        self,
        url: str,
        data: bytes,
        content_type: str,
        *,
        concurrent_to: str | None = None,
        refers_to: str | None = None,
        date: datetime | None = None,
    ) -> WarcLocation:
        """A ``resource`` record: something we made, not something a server sent (rendered DOM,
        screenshot), tied to the response it came from."""
        self._ensure_open()
        when = warc_date(date or self._clock())
        rec_id = self._record_id()
        digest = sha1_digest(data)
        headers = self._common("resource", rec_id, when, url)
        if concurrent_to:
            headers.append(("WARC-Concurrent-To", concurrent_to))
        if refers_to:
            headers.append(("WARC-Refers-To", refers_to))
        headers += [("WARC-Payload-Digest", digest), ("WARC-Block-Digest", digest), ("Content-Type", content_type)]
        file_name = self._name
        offset, length = self._emit(headers, data, content_type, "resource")
        return WarcLocation(file_name, offset, length, rec_id, digest, digest, when)

    def write_revisit(
        self,
        url: str,
        response_head: bytes,
        *,
        payload_digest: str,
        refers_to: str,
        refers_to_uri: str,
        refers_to_date: str,
        request_block: bytes | None = None,
        date: datetime | None = None,
        profile: str = REVISIT_PROFILE,
    ) -> WarcLocation:
        """A ``revisit`` record (identical-payload-digest profile, or server-not-modified for a 304):
        the new response's head only, pointing at the earlier capture that holds the same payload."""
        self._ensure_open()
        when = warc_date(date or self._clock())
        rec_id = self._record_id()
        block_digest = sha1_digest(response_head)
        headers = self._common("revisit", rec_id, when, url)
        headers += [
            ("WARC-Profile", profile),
            ("WARC-Refers-To", refers_to),
            ("WARC-Refers-To-Target-URI", refers_to_uri),
            ("WARC-Refers-To-Date", refers_to_date),
            ("WARC-Payload-Digest", payload_digest),
            ("WARC-Block-Digest", block_digest),
            ("Content-Type", HTTP_RESPONSE_TYPE),
        ]
        file_name = self._name
        offset, length = self._emit(headers, response_head, HTTP_RESPONSE_TYPE, "revisit")
        if request_block is not None:
            self._write_request(url, request_block, when, rec_id)
        return WarcLocation(file_name, offset, length, rec_id, payload_digest, block_digest, when)


def read_record_block(warc_dir: str | os.PathLike, warc_file: str, offset: int, length: int) -> tuple[dict, bytes]:
    """Read one record back by its crawl-log location: (WARC headers, raw HTTP block)."""
    from warcio.archiveiterator import ArchiveIterator

    with open(Path(warc_dir) / warc_file, "rb") as fh:
        fh.seek(offset)
        data = fh.read(length)
    for record in ArchiveIterator(io.BytesIO(data), no_record_parse=True):
        return dict(record.rec_headers.headers), record.raw_stream.read()
    raise ValueError(f"no WARC record at {warc_file}:{offset}")
