"""WARC 1.1 writing on warcio, keeping every HTTP byte exactly as it crossed the wire.

warcio re-serialises HTTP headers when it is handed parsed headers (it rebuilds the status line and
%-encodes non-ASCII values). To keep the server's bytes, the whole HTTP block (status line, header
block, body, as received: still chunked and content-encoded where the server sent it so) is the
record's block, written as is, and both digests are computed here:

* ``WARC-Block-Digest``: SHA-1 of the whole block;
* ``WARC-Payload-Digest``: SHA-1 of the bytes after the header block, which is what
  ``warcio check`` verifies (and what warcio's own capture writes).

warcio reads every record back (tests, ``warcio check``, archive.replay, the CDXJ indexer).
One gzip member per record, a ``warcinfo`` record at the head of every file, size-based rotation.
``write_resource`` and ``write_revisit`` serve the browser path (rendered DOM) and the incremental
re-crawl (unchanged payloads).

Speed (bench/bench_crawl_capture.py): the record is serialised here, in exactly the bytes
warcio's ``WARCWriter`` writes for the same headers (``WARC/1.1``, the headers in order,
``Content-Length``, blank line, block, ``CRLF CRLF``; the golden test pins them), because going
through warcio's generic writer cost a BytesIO copy and header objects per record for nothing:
every header, digests included, is ours already. The record is deflated in one call by ISA-L
(``isal``) when it is installed, at its default level 2: on report pages ~10x faster than zlib at
level 6 (30 µs instead of 280 µs for a 35 KB page, the largest cost of capture before) for HTML
members ~13 % larger; PDF and DOCX bodies, deflated already, come out the same. Still plain gzip
that every reader inflates. Without isal, zlib at level 3 (deflate's fast strategy, 2x level 6).
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from base64 import b32encode
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from warcio.timeutils import datetime_to_iso_date

if TYPE_CHECKING:
    from archive.cdxj import CdxjLines

try:  # ISA-L's deflate: the same gzip format, several times faster (see the module docstring)
    from isal import isal_zlib as deflate_lib

    GZIP_LEVEL = 2
except ImportError:  # pragma: no cover (isal is a dependency; zlib keeps the writer working without it)
    import zlib as deflate_lib

    GZIP_LEVEL = 3

WARC_VERSION = "WARC/1.1"
HTTP_RESPONSE_TYPE = "application/http;msgtype=response"
HTTP_REQUEST_TYPE = "application/http;msgtype=request"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
GZIP_WBITS = 31  # 16 + 15: a gzip header and trailer around the deflate stream


def sha1_digest(data: bytes | bytearray | memoryview) -> str:
    """``sha1:BASE32`` as WARC (and the crawl log) spell it."""
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode("ascii")


def http_head_end(block: bytes | bytearray) -> int:
    """Where the head of an HTTP message ends (after its blank line); ``len(block)`` without one.

    Tolerates bare-LF servers. Only the head is searched for a bare-LF blank line (a CRLF blank
    line holds no ``\\n\\n``), never the whole body.
    """
    crlf = block.find(b"\r\n\r\n")
    lf = block.find(b"\n\n", 0, crlf if crlf >= 0 else len(block))
    if lf >= 0:
        return lf + 2
    return crlf + 4 if crlf >= 0 else len(block)


def split_http_head(block: bytes) -> tuple[bytes, bytes]:
    """Split an HTTP message into its head (up to and including the blank line) and the rest.

    A block without a blank line is all head (a truncated message).
    """
    end = http_head_end(block)
    return block[:end], block[end:]


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
        index: CdxjLines | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.index = index  # CDXJ lines made as records are written (archive.cdxj)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo = dict(warcinfo or {})
        self._record_id = record_id
        self._clock = clock
        self._serial = 0
        self._fh: io.BufferedWriter | None = None
        self._size = 0  # bytes in the open file (records are appended whole, by us alone)
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
        self._size = self._fh.tell()
        self.files.append(self._name)
        if self.index is not None:
            self.index.opened(self._name)
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
        self._write(self._member(headers, body))

    def _ensure_open(self) -> None:
        if self._fh is None:
            self._open()
        elif self.max_size and self._size >= self.max_size:
            self.close()
            self._open()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    @property
    def current_file(self) -> str:
        return self._name

    # -- records -------------------------------------------------------------------------------
    @staticmethod
    def _member(headers: list[tuple[str, str]], block: bytes | bytearray | memoryview) -> bytes:
        """One record as one gzip member: the bytes warcio's WARCWriter writes for these headers
        (``Content-Length`` last, then the block as is and two CRLFs), deflated in one go."""
        head = "".join([f"{WARC_VERSION}\r\n", *(f"{name}: {value}\r\n" for name, value in headers),
                        f"Content-Length: {len(block)}\r\n\r\n"]).encode("utf-8")
        # one call on the whole record: ISA-L's streaming object, fed head and block apart, deflates
        # each piece on its own (report pages came out ~3x larger); the join costs one copy
        return deflate_lib.compress(b"".join((head, block, b"\r\n\r\n")), GZIP_LEVEL, GZIP_WBITS)

    def _write(self, member: bytes) -> tuple[int, int]:
        """Append one whole member, then flush: a crash loses at most the record being written
        (a torn tail, which archive.repair cuts off). Its (offset, length)."""
        assert self._fh is not None
        offset = self._size
        self._fh.write(member)
        self._fh.flush()
        self._size += len(member)
        self.records_written += 1
        self.bytes_written += len(member)
        return offset, len(member)

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
        # digests over views of the block: the body is hashed twice (payload, block), never copied
        payload_digest = sha1_digest(memoryview(response_block)[http_head_end(response_block):])
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
        offset, length = self._write(self._member(headers, response_block))
        self._write(self._request_member(url, request_block, when, resp_id, ip_address))
        if self.index is not None:
            self.index.add(file_name, offset, length, headers, response_block, request_block)
        return WarcLocation(file_name, offset, length, resp_id, payload_digest, block_digest, when)

    def _request_member(self, url: str, request_block: bytes, when: str, concurrent_to: str,
                        ip_address: str | None = None) -> bytes:
        """The ``request`` record that goes with a response or revisit record."""
        headers = self._common("request", self._record_id(), when, url)
        if ip_address:
            headers.append(("WARC-IP-Address", ip_address))
        headers += [
            ("WARC-Concurrent-To", concurrent_to),
            ("WARC-Payload-Digest", sha1_digest(memoryview(request_block)[http_head_end(request_block):])),
            ("WARC-Block-Digest", sha1_digest(request_block)),
            ("Content-Type", HTTP_REQUEST_TYPE),
        ]
        return self._member(headers, request_block)

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
        offset, length = self._write(self._member(headers, data))
        if self.index is not None:
            self.index.add(file_name, offset, length, headers, data)
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
        offset, length = self._write(self._member(headers, response_head))
        if self.index is not None:
            self.index.add(file_name, offset, length, headers, response_head)
        if request_block is not None:
            self._write(self._request_member(url, request_block, when, rec_id))
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
