"""archive.repair: a WARC file cut off mid-record keeps its complete exchanges and passes warcio check."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from recrawlkit import warcio_check
from warcio.archiveiterator import ArchiveIterator

from archive.repair import repair_warc, scan_warc
from archive.warc import WarcFileWriter

REQUEST = b"GET /r.html HTTP/1.1\r\nHost: a.gov.cn\r\n\r\n"


def response(n: int) -> bytes:
    body = f"<html><body>report {n} ".encode() + os.urandom(200).hex().encode() + b"</body></html>"
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def three_exchanges(tmp_path):
    ids = iter(f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>" for n in range(100))
    writer = WarcFileWriter(tmp_path / "warc", "nianbao-test", record_id=lambda: next(ids),
                            clock=lambda: datetime(2026, 3, 1, tzinfo=UTC))
    locs = [writer.write_exchange(f"http://a.gov.cn/{n}.html", REQUEST, response(n)) for n in range(3)]
    writer.close()
    return tmp_path / "warc" / writer.files[0], locs


def record_types(path) -> list[str]:
    with open(path, "rb") as fh:
        return [r.rec_type for r in ArchiveIterator(fh)]


@pytest.mark.parametrize("cut", ["half", "one-byte", "header"])
def test_a_record_cut_off_is_dropped_and_the_rest_kept(tmp_path, cut):
    path, locs = three_exchanges(tmp_path)
    last = locs[-1]
    keep = {"half": last.warc_length // 2, "one-byte": last.warc_length - 1, "header": 10}[cut]
    os.truncate(path, last.warc_offset + keep)
    result = repair_warc(path)
    assert result.repaired and result.size_after == last.warc_offset
    assert [d["reason"].split(":")[0] for d in result.dropped] == ["torn record"]
    assert result.dropped[0]["bytes"] == keep
    assert record_types(path) == ["warcinfo", "response", "request", "response", "request"]
    assert warcio_check(tmp_path).returncode == 0


def test_a_response_without_its_request_record_is_dropped(tmp_path):
    path, locs = three_exchanges(tmp_path)
    last = locs[-1]
    os.truncate(path, last.warc_offset + last.warc_length)  # the request record never written
    result = repair_warc(path)
    assert result.size_after == last.warc_offset
    assert result.dropped[0]["record_id"] == last.warc_record_id
    assert "without the request record" in result.dropped[0]["reason"]
    assert warcio_check(tmp_path).returncode == 0


def test_a_whole_file_is_left_alone(tmp_path):
    path, _ = three_exchanges(tmp_path)
    before = path.read_bytes()
    result = repair_warc(path)
    assert not result.repaired and not result.dropped and path.read_bytes() == before
    records, end, size = scan_warc(path)
    assert end == size and [r.rec_type for r in records] == record_types(path)
    assert [r.target_uri for r in records if r.rec_type == "response"] == [f"http://a.gov.cn/{n}.html" for n in range(3)]


def test_garbage_after_the_last_record_is_cut(tmp_path):
    path, _ = three_exchanges(tmp_path)
    size = path.stat().st_size
    garbage = b"\x1f\x8b\x08\x00garbage"
    with open(path, "ab") as fh:
        fh.write(garbage)
    result = repair_warc(path)
    assert result.size_after == size and result.dropped[0]["bytes"] == len(garbage)
