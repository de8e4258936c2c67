"""The CDXJ lines written as records are written (archive.cdxj.CdxjLines) are the lines
cdxj-indexer writes when it reads the same WARC files afterwards: byte for byte, over every
record type the crawler writes and over a real crawl of the simulated portals."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

from cdxj_indexer.main import write_cdx_index

from archive.cdxj import CdxjLines, write_cdxj
from archive.warc import WarcFileWriter


def indexed_afterwards(files: list[Path]) -> str:
    """What cdxj-indexer makes of the files (the options archive.cdxj has always used)."""
    out = io.StringIO()
    root = str(files[0].parent)
    write_cdx_index(out, [str(f) for f in files], {"sort": True, "dir_root": root, "post_append": True})
    return out.getvalue()


def every_kind_of_record(writer: WarcFileWriter) -> None:
    when = datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
    get = b"GET /nb/ HTTP/1.1\r\nHost: www.example.gov.cn\r\n\r\n"
    page = "<html><title>年报</title></html>".encode()
    writer.write_exchange("http://www.example.gov.cn/nb/", get,
                          b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                          b"Content-Length: %d\r\n\r\n" % len(page) + page, ip_address="10.0.0.1", date=when)
    form = b"col=1&appid=1&webid=2&path=%2F&columnid=1229114055&unitid=4464&webname=%E6%B5%8B&permissiontype=0"
    post = (b"POST /module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15 HTTP/1.1\r\n"
            b"Host: www.example.gov.cn\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % len(form) + form)
    writer.write_exchange("http://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
                          post, b"HTTP/1.1 200 OK\r\nContent-Type: text/xml;charset=UTF-8\r\n\r\n<datastore/>", date=when)
    writer.write_exchange("https://www.example.gov.cn/附件/报告.pdf", b"GET /x HTTP/1.1\r\n\r\n",
                          b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Encoding: gzip\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n5\r\n%PDF-\r\n0\r\n\r\n", date=when)
    writer.write_exchange("http://www.example.gov.cn/cut.html", b"GET /cut.html HTTP/1.1\r\n\r\n",
                          b"HTTP/1.1 200 OK\nContent-Type: text/html\n\n<html><body>cut sh", truncated="length",
                          date=when)
    writer.write_exchange("http://www.example.gov.cn/empty", b"GET /empty HTTP/1.1\r\n\r\n",
                          b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", date=when)
    writer.write_exchange("http://www.example.gov.cn/no-type", b"GET /no-type HTTP/1.1\r\n\r\n",
                          b"HTTP/1.1 404 Not Found\r\n\r\n", date=when)
    first = writer.write_exchange("http://www.example.gov.cn/same", b"GET /same HTTP/1.1\r\n\r\n",
                                  b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nsame", date=when)
    writer.write_revisit("http://www.example.gov.cn/same", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
                         payload_digest=first.payload_digest, refers_to=first.warc_record_id,
                         refers_to_uri="http://www.example.gov.cn/same", refers_to_date=first.warc_date, date=when)
    writer.write_revisit("http://www.example.gov.cn/same", b"HTTP/1.1 304 Not Modified\r\n\r\n",
                         payload_digest=first.payload_digest, refers_to=first.warc_record_id,
                         refers_to_uri="http://www.example.gov.cn/same", refers_to_date=first.warc_date,
                         request_block=b"GET /same HTTP/1.1\r\n\r\n", date=when,
                         profile="http://netpreserve.org/warc/1.1/revisit/server-not-modified")
    writer.write_resource("urn:nianbao:dom:http://www.example.gov.cn/nb/", b"<html>rendered</html>",
                          "text/html; charset=utf-8", concurrent_to=first.warc_record_id, date=when)
    writer.write_resource("urn:nianbao:screenshot:http://www.example.gov.cn/nb/", b"\x89PNG....", "image/png",
                          date=when)


def test_lines_made_while_writing_equal_cdxj_indexer_over_every_record_kind(tmp_path):
    ids = (f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>" for n in count())
    lines = CdxjLines(tmp_path / "index.cdxj.lines")
    writer = WarcFileWriter(tmp_path / "warc", "t", max_size=1500, record_id=lambda: next(ids), index=lines)
    every_kind_of_record(writer)
    writer.close()
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(files) > 2  # rotation: several files, each seen from its warcinfo record on
    out = write_cdxj(files, tmp_path / "index.cdxj", lines)
    expected = indexed_afterwards(files)
    assert out.read_text(encoding="utf-8") == expected
    assert expected.count("\n") == 11 and '"method": "POST"' in expected and "warc/revisit" in expected
    assert not lines.path.exists()


def test_a_file_the_collector_did_not_see_whole_is_read_again(tmp_path):
    ids = (f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>" for n in count())
    earlier = WarcFileWriter(tmp_path / "warc", "t", record_id=lambda: next(ids))  # an interrupted run's file
    every_kind_of_record(earlier)
    earlier.close()
    lines = CdxjLines(tmp_path / "index.cdxj.lines")
    resumed = WarcFileWriter(tmp_path / "warc", "t", record_id=lambda: next(ids), index=lines)
    every_kind_of_record(resumed)
    resumed.close()
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(files) == 2 and len(lines.files) == 1
    assert write_cdxj(files, tmp_path / "index.cdxj", lines).read_text(encoding="utf-8") == indexed_afterwards(files)


def test_the_farm_crawl_index_equals_cdxj_indexer_over_its_warc_files(farm_crawl):
    files = sorted((farm_crawl.out / "warc").glob("*.warc.gz"))
    made = (farm_crawl.crawl_dir / "index.cdxj").read_text(encoding="utf-8")
    assert made == indexed_afterwards(files)
    assert '"method": "POST"' in made  # Hanweb dataproxy.jsp lists
    assert not list(farm_crawl.crawl_dir.glob("*.lines"))
