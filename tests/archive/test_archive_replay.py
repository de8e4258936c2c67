"""archive.replay: a record read back by its log location, decoded as a browser would get it."""

import gzip
import json

import pytest
from crawldir import chunked, first_crawl

from archive.replay import ArchiveReadError, decode_payload, read_response
from archive.warc import WarcFileWriter


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    directory = tmp_path_factory.mktemp("crawl")
    return directory, first_crawl(directory)


def test_gzip_chunked_response_is_decoded_and_the_warc_keeps_the_wire_bytes(crawl):
    directory, got = crawl
    capture = got["yiyang2022"]
    e = capture.entry
    response = read_response(directory / "warc", e["warc_file"], e["warc_offset"], e["warc_record_id"])
    assert response.transfer_encoding == "chunked" and response.content_encoding == "gzip"
    assert response.raw == capture.wire  # stored as served
    assert response.raw != response.body
    assert response.body == capture.body  # what the page really is
    assert response.decode_error is None
    assert response.status == 200 and response.content_type == "text/html; charset=utf-8"


def test_every_logged_record_reads_back_by_its_offset(crawl):
    directory, got = crawl
    for capture in got.values():
        e = capture.entry
        response = read_response(directory / "warc", e["warc_file"], e["warc_offset"], e["warc_record_id"])
        assert response.body == capture.body
        assert response.target_uri == capture.url


def test_a_log_pointing_at_the_wrong_record_is_an_error_not_a_wrong_answer(crawl):
    directory, got = crawl
    e = got["yiyang"].entry
    with pytest.raises(ArchiveReadError, match="the log says"):
        read_response(directory / "warc", e["warc_file"], e["warc_offset"], "<urn:uuid:someone-else>")
    with pytest.raises(ArchiveReadError):
        read_response(directory / "warc", e["warc_file"], e["warc_offset"] + 7)
    with pytest.raises(ArchiveReadError, match="outside"):
        read_response(directory / "warc", "../crawls/x.warc.gz", 0)
    with pytest.raises(ArchiveReadError, match="not found"):
        read_response(directory / "warc", "missing.warc.gz", 0)


def test_content_coding_that_does_not_decode_keeps_the_bytes_and_says_why():
    body, error = decode_payload(b"plain text, labelled gzip", None, "gzip")
    assert body == b"plain text, labelled gzip"
    assert "gzip" in error
    body, error = decode_payload(chunked(gzip.compress(b"abc" * 1000)), "chunked", "gzip")
    assert (body, error) == (b"abc" * 1000, None)


def test_revisit_record_is_followed_to_the_original_payload(tmp_path):
    writer = WarcFileWriter(tmp_path, "t")
    original = writer.write_exchange("http://a.gov.cn/r.html", b"GET /r.html HTTP/1.1\r\n\r\n",
                                     b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>report</p>")
    revisit = writer.write_revisit("http://a.gov.cn/r.html", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
                                   payload_digest=original.payload_digest, refers_to=original.warc_record_id,
                                   refers_to_uri="http://a.gov.cn/r.html", refers_to_date=original.warc_date)
    writer.close()
    where = {original.warc_record_id: (original.warc_file, original.warc_offset)}
    response = read_response(tmp_path, revisit.warc_file, revisit.warc_offset, resolve=where.get)
    assert response.body == b"<p>report</p>"
    with pytest.raises(ArchiveReadError, match="not in the archive"):
        read_response(tmp_path, revisit.warc_file, revisit.warc_offset, resolve={}.get)
    assert json.dumps(response.headers)  # headers are plain pairs
