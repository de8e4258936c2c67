"""Find the complete records of a WARC file and cut off a record torn by a crash.

Our writer puts one record in one gzip member and flushes after each, so a crawl killed with
``kill -9`` leaves at most one partial member at the end of the file. `scan_warc` walks the
members with zlib (not warcio, which tolerates a truncated member silently), and `repair_warc`
truncates the file to the end of the last complete *exchange* (a response record is only
complete with the request record written after it), returning what it dropped so the
caller can record it. A file cut that way passes ``warcio check``.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from archive.warc import sha1_digest, split_http_head

_CHUNK = 1 << 16
_EXCHANGE_HEADS = ("response",)  # a revisit record stands alone (crawler.incremental writes no request)


@dataclass
class WarcRecordInfo:
    """What a resumed or incremental crawl needs to know about one record, without its payload."""

    offset: int
    length: int
    rec_type: str
    record_id: str
    target_uri: str | None = None
    date: str | None = None
    payload_digest: str | None = None
    concurrent_to: str | None = None
    refers_to: str | None = None
    status: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    method: str | None = None  # request records: the method and a digest of the body sent
    body_digest: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class RepairResult:
    path: str
    size_before: int
    size_after: int
    records: list[WarcRecordInfo] = field(default_factory=list)
    dropped: list[dict] = field(default_factory=list)

    @property
    def repaired(self) -> bool:
        return self.size_after != self.size_before


def _members(fh) -> Iterator[tuple[int, int | None, bytes]]:
    """(offset, compressed length or None when torn, decompressed bytes) of each gzip member."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    pos = 0
    while pos < size:
        fh.seek(pos)
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = bytearray()
        consumed = 0
        try:
            while not inflater.eof:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                consumed += len(chunk)
                out += inflater.decompress(chunk)
        except zlib.error:
            yield pos, None, bytes(out)
            return
        if not inflater.eof:
            yield pos, None, bytes(out)
            return
        length = consumed - len(inflater.unused_data)
        yield pos, length, bytes(out)
        pos += length


def _headers(block: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block.decode("utf-8", "replace").split("\r\n")[1:]:
        name, sep, value = line.partition(":")
        if sep:
            out.setdefault(name.strip().lower(), value.strip())
    return out


def _http_fields(info: WarcRecordInfo, content: bytes) -> None:
    head, body = split_http_head(content)
    lines = head.decode("latin-1").replace("\r\n", "\n").split("\n")
    first = lines[0].split(None, 2) if lines else []
    if info.rec_type == "request":
        info.method = first[0] if first else None
        info.body_digest = sha1_digest(body) if body else None
        return
    if len(first) >= 2 and first[1].isdigit():
        info.status = int(first[1])
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        name = name.strip().lower()
        if not sep:
            continue
        if name == "content-type" and info.content_type is None:
            info.content_type = value.strip()
        elif name == "etag" and info.etag is None:
            info.etag = value.strip()
        elif name == "last-modified" and info.last_modified is None:
            info.last_modified = value.strip()


def parse_record(offset: int, length: int, data: bytes) -> WarcRecordInfo | None:
    """The record in one decompressed member, or None when it is not whole (shorter than it says)."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"WARC/"):
        return None
    fields = _headers(head)
    try:
        content_length = int(fields.get("content-length", ""))
    except ValueError:
        return None
    if len(rest) < content_length + 4 or rest[content_length:content_length + 4] != b"\r\n\r\n":
        return None
    info = WarcRecordInfo(
        offset=offset, length=length, rec_type=fields.get("warc-type", ""),
        record_id=fields.get("warc-record-id", ""), target_uri=fields.get("warc-target-uri"),
        date=fields.get("warc-date"), payload_digest=fields.get("warc-payload-digest"),
        concurrent_to=fields.get("warc-concurrent-to"), refers_to=fields.get("warc-refers-to"),
    )
    if fields.get("content-type", "").startswith("application/http"):
        _http_fields(info, rest[:content_length])
    return info


def scan_warc(path: str | os.PathLike) -> tuple[list[WarcRecordInfo], int, int]:
    """(complete records, end of the last complete record, file size)."""
    records: list[WarcRecordInfo] = []
    end = 0
    with open(path, "rb") as fh:
        for offset, length, data in _members(fh):
            info = parse_record(offset, length, data) if length is not None else None
            if info is None:
                break
            records.append(info)
            end = offset + length
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
    return records, end, size


def repair_warc(path: str | os.PathLike) -> RepairResult:
    """Keep the complete exchanges of `path`, cut the rest, and say what was cut."""
    records, end, size = scan_warc(path)
    dropped: list[dict] = []
    if end < size:
        dropped.append({"offset": end, "bytes": size - end, "reason": "torn record: an incomplete gzip member "
                        "or a record shorter than its Content-Length (the crawl was interrupted mid-write)"})
    if records and records[-1].rec_type in _EXCHANGE_HEADS:  # its request record was never written
        last = records.pop()
        dropped.insert(0, {"offset": last.offset, "bytes": last.length, "record_id": last.record_id,
                           "target_uri": last.target_uri, "reason": f"{last.rec_type} record without the request "
                           "record that completes the exchange (interrupted between the two)"})
        end = last.offset
    if end < size:
        os.truncate(path, end)
    return RepairResult(str(path), size, end, records, dropped)


def warc_files(warc_dir: str | os.PathLike, prefix: str) -> list[Path]:
    return sorted(Path(warc_dir).glob(f"{prefix}-*.warc.gz"))
