"""Golden WARC bytes (fixed record ids and dates), read back with warcio, checked by `warcio check`."""

from __future__ import annotations

import gzip
import itertools
import subprocess
import sys
import zlib
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.crawllog import CrawlLog, read_log
from archive.warc import WarcFileWriter, read_record_block, sha1_digest, split_http_head

URL = "http://www.example.gov.cn/a.html"
REQUEST = b"GET http://www.example.gov.cn/a.html HTTP/1.1\r\nHost: www.example.gov.cn\r\nAccept-Encoding: gzip\r\n\r\n"
GZ_BODY = gzip.compress("年报".encode(), mtime=0)
# chunked, gzip-encoded, with a header lacking the space after the colon: all must survive as sent
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\nX-Odd:no-space\r\n\r\n"
    + b"%x\r\n" % len(GZ_BODY) + GZ_BODY + b"\r\n0\r\n\r\n"
)

GOLDEN = [
    b"WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
    b"WARC-Date: 2024-01-25T08:30:00.123456Z\r\nWARC-Filename: golden-00001.warc.gz\r\n"
    b"WARC-Block-Digest: sha1:SM3SUKBCH4Y65D2X5U352L6H5ENG3GIK\r\nContent-Type: application/warc-fields\r\n"
    b"Content-Length: 168\r\n\r\nsoftware: nianbao (warcio)\r\nformat: WARC File Format 1.1\r\n"
    b"conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
    b"operator: tests\r\n\r\n\r\n",
    b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000002>\r\n"
    b"WARC-Date: 2024-01-25T08:30:00.123456Z\r\nWARC-Target-URI: http://www.example.gov.cn/a.html\r\n"
    b"WARC-Warcinfo-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\nWARC-IP-Address: 127.0.0.1\r\n"
    b"WARC-Payload-Digest: sha1:FD3CNTNWD2QNCMFJQW37SPBA7OEIG2PF\r\n"
    b"WARC-Block-Digest: sha1:4PYV2XW4PFRV5JMVDTLECJMUHTRRBNJ2\r\n"
    b"Content-Type: application/http;msgtype=response\r\nContent-Length: 124\r\n\r\n" + RESPONSE + b"\r\n\r\n",
    b"WARC/1.1\r\nWARC-Type: request\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000003>\r\n"
    b"WARC-Date: 2024-01-25T08:30:00.123456Z\r\nWARC-Target-URI: http://www.example.gov.cn/a.html\r\n"
    b"WARC-Warcinfo-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\nWARC-IP-Address: 127.0.0.1\r\n"
    b"WARC-Concurrent-To: <urn:uuid:00000000-0000-4000-8000-000000000002>\r\n"
    b"WARC-Payload-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ\r\n"
    b"WARC-Block-Digest: sha1:ULDEHXT62ZJEOREW5VZE6Q3NFX6XJBV5\r\n"
    b"Content-Type: application/http;msgtype=request\r\nContent-Length: 98\r\n\r\n" + REQUEST + b"\r\n\r\n",
]


def fixed_writer(directory: Path, **kwargs) -> WarcFileWriter:
    ids = (f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>" for n in itertools.count(1))
    return WarcFileWriter(
        directory, "golden", warcinfo={"operator": "tests"}, record_id=lambda: next(ids),
        clock=lambda: datetime(2024, 1, 25, 8, 30, 0, 123456, tzinfo=UTC), **kwargs,
    )


def gzip_members(raw: bytes) -> list[tuple[int, bytes]]:
    """(offset, decompressed bytes) of every gzip member: one record must be one member."""
    members, pos = [], 0
    while pos < len(raw):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        data = inflater.decompress(raw[pos:])
        assert inflater.eof, "gzip member cut short"
        members.append((pos, data))
        pos = len(raw) - len(inflater.unused_data)
    return members


def warcio_check(*paths: Path) -> subprocess.CompletedProcess:
    cli = Path(sys.executable).with_name("warcio")
    return subprocess.run([str(cli), "check", "-v", *map(str, paths)], capture_output=True, text=True)


def test_golden_bytes_one_gzip_member_per_record(tmp_path):
    writer = fixed_writer(tmp_path)
    loc = writer.write_exchange(URL, REQUEST, RESPONSE, ip_address="127.0.0.1")
    writer.close()
    raw = (tmp_path / "golden-00001.warc.gz").read_bytes()
    members = gzip_members(raw)
    assert [data for _, data in members] == GOLDEN
    assert loc.warc_file == "golden-00001.warc.gz"
    assert loc.warc_offset == members[1][0]
    assert loc.warc_length == members[2][0] - members[1][0]
    assert loc.warc_record_id == "<urn:uuid:00000000-0000-4000-8000-000000000002>"
    # the payload digest covers the bytes after the header block, exactly as sent
    assert loc.payload_digest == sha1_digest(split_http_head(RESPONSE)[1])
    proc = warcio_check(tmp_path / loc.warc_file)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count("digest pass") == 3


def test_read_back_with_warcio(tmp_path):
    writer = fixed_writer(tmp_path)
    loc = writer.write_exchange(URL, REQUEST, RESPONSE, ip_address="127.0.0.1")
    writer.close()
    with open(tmp_path / loc.warc_file, "rb") as fh:
        records = list(
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.http_headers, r.content_stream().read())
            for r in ArchiveIterator(fh)
        )
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    _, uri, http, content = records[1]
    assert uri == URL
    assert http.get_statuscode() == "200"
    assert http.get_header("X-Odd") == "no-space"
    assert content.decode("utf-8") == "年报"  # warcio de-chunks and gunzips on reading
    headers, block = read_record_block(tmp_path, loc.warc_file, loc.warc_offset, loc.warc_length)
    assert headers["WARC-Type"] == "response"
    assert block == RESPONSE


def test_truncated_resource_and_revisit_records(tmp_path):
    writer = fixed_writer(tmp_path)
    cut = RESPONSE[:-12]
    loc = writer.write_exchange(URL, REQUEST, cut, truncated="length")
    res = writer.write_resource(URL, b"<html>rendered</html>", "text/html; charset=utf-8",
                                concurrent_to=loc.warc_record_id)
    head = split_http_head(RESPONSE)[0]
    rev = writer.write_revisit(URL, head, payload_digest=loc.payload_digest, refers_to=loc.warc_record_id,
                               refers_to_uri=URL, refers_to_date=loc.warc_date, request_block=REQUEST)
    writer.close()
    with open(tmp_path / loc.warc_file, "rb") as fh:
        recs = {r.rec_headers.get_header("WARC-Record-ID"): r.rec_headers for r in ArchiveIterator(fh)}
    assert recs[loc.warc_record_id].get_header("WARC-Truncated") == "length"
    assert recs[res.warc_record_id].get_header("WARC-Type") == "resource"
    assert recs[res.warc_record_id].get_header("WARC-Concurrent-To") == loc.warc_record_id
    revisit = recs[rev.warc_record_id]
    assert revisit.get_header("WARC-Profile").endswith("/warc/1.1/revisit/identical-payload-digest")
    assert revisit.get_header("WARC-Refers-To") == loc.warc_record_id
    assert warcio_check(tmp_path / loc.warc_file).returncode == 0


def test_rotation_by_size_each_file_starts_with_warcinfo(tmp_path):
    writer = fixed_writer(tmp_path, max_size=600)
    locs = [writer.write_exchange(f"{URL}?n={n}", REQUEST, RESPONSE) for n in range(4)]
    writer.close()
    assert len(writer.files) >= 3
    assert {loc.warc_file for loc in locs} == set(writer.files)
    for name in writer.files:
        with open(tmp_path / name, "rb") as fh:
            first = next(iter(ArchiveIterator(fh)))
        assert first.rec_type == "warcinfo"
        assert first.rec_headers.get_header("WARC-Filename") == name
    assert warcio_check(*(tmp_path / n for n in writer.files)).returncode == 0


def test_a_new_writer_never_appends_to_an_existing_file(tmp_path):
    first = fixed_writer(tmp_path)
    first.write_exchange(URL, REQUEST, RESPONSE)
    first.close()
    second = fixed_writer(tmp_path)
    loc = second.write_exchange(URL, REQUEST, RESPONSE)
    second.close()
    assert loc.warc_file == "golden-00002.warc.gz"


def test_crawl_log_writes_contract_fields_in_order(tmp_path):
    log = CrawlLog(tmp_path / "crawls" / "C1" / "log.jsonl", "C1", clock=lambda: "2024-01-25T08:30:00Z")
    log.write(url=URL, status=200, role="report", agency="某某县卫生健康局", year=2023, warc_file="a.warc.gz",
              warc_offset=10, warc_length=20, warc_record_id="<urn:uuid:x>")
    log.close()
    (entry,) = list(read_log(tmp_path / "crawls" / "C1" / "log.jsonl"))
    assert list(entry)[:6] == ["crawl_id", "url", "method", "status", "role", "agency"]
    assert entry["crawl_id"] == "C1" and entry["via"] == "http" and entry["method"] == "GET"
    assert entry["agency"] == "某某县卫生健康局" and entry["year"] == 2023
    assert entry["fetched_at"] == "2024-01-25T08:30:00Z"


def test_crawl_log_refuses_unknown_roles(tmp_path):
    log = CrawlLog(tmp_path / "log.jsonl", "C1")
    try:
        log.write(url=URL, role="page")
    except ValueError as exc:
        assert "unknown role" in str(exc)
    else:
        raise AssertionError("an unknown role was accepted")
    finally:
        log.close()
