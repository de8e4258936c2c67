"""The WARC writer serialises records itself (for speed): the bytes must be warcio's, the digests
right for every kind of head, every record flushed the moment it is written, and the gzip members
readable whichever deflate library wrote them."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import zlib
from base64 import b32encode
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_crawler_warc import gzip_members, warcio_check
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import archive.warc as warc

REQUEST = b"GET /a.html HTTP/1.1\r\nHost: www.example.gov.cn\r\nAccept-Encoding: gzip\r\n\r\n"
BIG = os.urandom(1 << 20)  # incompressible, like a PDF
EXCHANGES = {
    # URL (non-ASCII: WARC headers are UTF-8) -> response block as received
    "http://www.example.gov.cn/年报/a.html": b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nbody\n\nmore.",
    "http://www.example.gov.cn/bare-lf": b"HTTP/1.0 200 OK\nServer: old\n\n<p>a</p>\r\n\r\n<p>b</p>",
    "http://www.example.gov.cn/empty": b"HTTP/1.1 204 No Content\r\nX-Odd:no-space\r\n\r\n",
    "http://www.example.gov.cn/cut-in-head": b"HTTP/1.1 200 OK\r\nContent-Type: text/ht",
    "http://www.example.gov.cn/big.pdf": b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n\r\n" + BIG,
}


def writer(directory: Path) -> warc.WarcFileWriter:
    ids = (f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>" for n in itertools.count(1))
    return warc.WarcFileWriter(directory, "t", warcinfo={"operator": "tests"}, record_id=lambda: next(ids),
                               clock=lambda: datetime(2024, 1, 25, 8, 30, tzinfo=UTC))


def old_payload(block: bytes) -> bytes:
    """The payload as the writer split it before (both separators searched over the whole block)."""
    hits = [(at, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (at := block.find(sep)) >= 0]
    if not hits:
        return b""
    at, size = min(hits)
    return block[at + size:]


def warcio_record(member: bytes) -> bytes:
    """What warcio's generic WARCWriter writes for the headers and block of one of our records."""
    head, _, rest = member.partition(b"\r\n\r\n")
    lines = head.decode("utf-8").split("\r\n")
    assert lines[0] == "WARC/1.1" and lines[-1].startswith("Content-Length: ")
    headers = [tuple(line.split(": ", 1)) for line in lines[1:-1]]
    block = rest[: int(lines[-1].split(": ")[1])]
    assert rest == block + b"\r\n\r\n"
    fields = dict(headers)
    rec_type = fields["WARC-Type"]
    out = io.BytesIO()
    status = StatusAndHeaders("", headers, protocol="WARC/1.1")
    record = ArcWarcRecord("warc", "resource" if rec_type == "revisit" else rec_type, status, io.BytesIO(block),
                           None, fields["Content-Type"], len(block))
    record.payload_length = len(block)
    WARCWriter(out, gzip=False, warc_version="WARC/1.1").write_record(record)
    return out.getvalue()


def test_records_are_the_bytes_warcios_writer_writes(tmp_path):
    w = writer(tmp_path)
    first = None
    for url, block in EXCHANGES.items():
        loc = w.write_exchange(url, REQUEST, block, ip_address="127.0.0.1",
                               truncated="length" if "cut" in url else None)
        first = first or loc
    w.write_resource("urn:nianbao:dom:http://www.example.gov.cn/", "<p>渲染</p>".encode(), "text/html; charset=utf-8",
                     concurrent_to=first.warc_record_id)
    w.write_revisit("http://www.example.gov.cn/年报/a.html", b"HTTP/1.1 200 OK\r\n\r\n",
                    payload_digest=first.payload_digest, refers_to=first.warc_record_id,
                    refers_to_uri="http://www.example.gov.cn/年报/a.html", refers_to_date=first.warc_date,
                    request_block=REQUEST)
    w.close()
    members = gzip_members((tmp_path / w.files[0]).read_bytes())
    assert len(members) == 1 + 2 * len(EXCHANGES) + 1 + 2
    for _, member in members:
        assert member == warcio_record(member)
    proc = warcio_check(tmp_path / w.files[0])
    assert proc.returncode == 0, proc.stdout
    assert "digest fail" not in proc.stdout


def test_digests_cover_what_arrived_whatever_the_head(tmp_path):
    w = writer(tmp_path)
    locs = {url: w.write_exchange(url, REQUEST, block) for url, block in EXCHANGES.items()}
    w.close()
    for url, block in EXCHANGES.items():
        loc = locs[url]
        assert loc.payload_digest == "sha1:" + b32encode(hashlib.sha1(old_payload(block)).digest()).decode()
        assert loc.block_digest == warc.sha1_digest(block)
        headers, raw = warc.read_record_block(tmp_path, loc.warc_file, loc.warc_offset, loc.warc_length)
        assert raw == block  # byte-exact, the 1 MB body too
        assert headers["WARC-Payload-Digest"] == loc.payload_digest
    assert warc.split_http_head(EXCHANGES["http://www.example.gov.cn/bare-lf"])[1] == b"<p>a</p>\r\n\r\n<p>b</p>"
    assert warc.split_http_head(EXCHANGES["http://www.example.gov.cn/cut-in-head"])[1] == b""


def test_every_record_is_on_disk_once_written(tmp_path):
    """Flushed per write: another reader sees complete records while the writer is still open."""
    w = writer(tmp_path)
    for n, (url, block) in enumerate(EXCHANGES.items(), start=1):
        loc = w.write_exchange(url, REQUEST, block)
        raw = (tmp_path / loc.warc_file).read_bytes()
        members = gzip_members(raw)
        assert len(members) == 1 + 2 * n  # warcinfo, then response + request per exchange
        offsets = [at for at, _ in members]
        assert loc.warc_offset == offsets[-2] and loc.warc_length == offsets[-1] - offsets[-2]
    w.close()


def test_zlib_when_isal_is_missing_gives_the_same_records(tmp_path, monkeypatch):
    fast = writer(tmp_path / "isal")
    for url, block in EXCHANGES.items():
        fast.write_exchange(url, REQUEST, block)
    fast.close()
    monkeypatch.setattr(warc, "deflate_lib", zlib)
    monkeypatch.setattr(warc, "GZIP_LEVEL", 3)
    slow = writer(tmp_path / "zlib")
    for url, block in EXCHANGES.items():
        slow.write_exchange(url, REQUEST, block)
    slow.close()
    a = gzip_members((tmp_path / "isal" / fast.files[0]).read_bytes())
    b = gzip_members((tmp_path / "zlib" / slow.files[0]).read_bytes())
    assert [m for _, m in a] == [m for _, m in b]
    assert warcio_check(tmp_path / "zlib" / slow.files[0]).returncode == 0
    with open(tmp_path / "zlib" / slow.files[0], "rb") as fh:
        assert [r.rec_type for r in ArchiveIterator(fh)][:3] == ["warcinfo", "response", "request"]


@pytest.mark.parametrize("block", [b"", b"\r\n\r\n", b"\n\n", b"HTTP/1.1 200 OK\r\n\r\n", b"a\n\nb\r\n\r\nc",
                                   b"a\r\n\r\nb\n\nc", b"HTTP/1.1 200 OK\r\nX: y\n\r\n\r\nz"])
def test_head_end_matches_the_old_split(block):
    assert warc.split_http_head(block)[1] == old_payload(block)


def test_a_report_page_record_is_deflated_as_one_stream(tmp_path):
    """Deflated in one piece: fed to a streaming compressor in parts, a page came out 4x larger."""
    row = "<tr><td>（一）予以公开</td><td>{}</td><td>0</td><td>1</td><td>0</td></tr>"
    page = ("<table>" + "".join(row.format(n) for n in range(400)) + "</table>").encode()
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + page
    w = writer(tmp_path)
    loc = w.write_exchange("http://www.example.gov.cn/r.html", REQUEST, block)
    w.close()
    assert loc.warc_length < len(block) / 8
    assert warc.read_record_block(tmp_path, loc.warc_file, loc.warc_offset, loc.warc_length)[1] == block
