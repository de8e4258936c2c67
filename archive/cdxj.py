"""A CDXJ index of a crawl's WARC files (cdxj-indexer's lines), sorted, for replay tools such as pywb.

Indexing the WARC files once the crawl has ended re-reads and re-parses every record: about 5 %
of a crawl's CPU (bench/bench_crawl_capture.py). ``CdxjLines`` writes each record's line while
the writer (archive.warc) still holds the record's headers and block, so the end of the crawl
only sorts. The lines are the ones cdxj-indexer writes (``post_append``, default fields and
records), made by warcio's own HTTP head parser and cdxj-indexer's own POST-query helper;
tests/archive/test_cdxj.py compares them with cdxj-indexer over real crawls. A WARC file the
collector did not see from its first record (one left by an interrupted run, say) is indexed by
cdxj-indexer as before.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import surt
from cdxj_indexer.main import write_cdx_index
from cdxj_indexer.postquery import append_method_query
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParser
from warcio.timeutils import iso_date_to_timestamp

INDEXED = ("response", "revisit", "resource", "metadata")  # cdxj-indexer's default records
_SPACE = re.compile(r"[;\s]")
_HTTP = StatusAndHeadersParser(ArcWarcRecordLoader.HTTP_TYPES, verify=False)
_HTTP_REQUEST = StatusAndHeadersParser(ArcWarcRecordLoader.HTTP_VERBS, verify=False)


def _url_key(url: str) -> str:
    try:
        return surt.surt(url)
    except Exception:  # cdxj-indexer keys an unparsable URL by itself
        return url


def cdxj_line(filename: str, offset: int, length: int, headers: list[tuple[str, str]], block: bytes | bytearray,
              request_block: bytes | None = None) -> str | None:
    """The line cdxj-indexer writes for one record (None for a record it does not index).

    ``request_block``: the HTTP request of a response record, written right after it; a POST's
    body is appended to the key (``post_append``), as pywb looks POSTs up.
    """
    rec = {name.lower(): value for name, value in headers}
    rec_type = rec.get("warc-type")
    if rec_type not in INDEXED:
        return None
    if rec_type in ("resource", "metadata") and rec.get("content-type") == "application/warc-fields":
        return None
    url = rec.get("warc-target-uri") or ""
    http = None
    if rec_type in ("response", "revisit") and block and url.startswith(ArcWarcRecordLoader.HTTP_SCHEMES):
        try:
            http = _HTTP.parse(io.BytesIO(block))
        except EOFError:  # an empty revisit: no HTTP head
            http = None
    index: dict[str, str] = {"url": url}
    if rec_type == "revisit":
        mime = "warc/revisit"
    else:
        mime = http.get_header("content-type") if rec_type == "response" and http else \
            rec.get("content-type") if rec_type not in ("response", "request") else None
        mime = _SPACE.split(mime, 1)[0].strip() if mime else mime
    if mime is not None:
        index["mime"] = mime
    if http is not None and http.get_statuscode() is not None:
        index["status"] = http.get_statuscode()
    if rec.get("warc-payload-digest") is not None:
        index["digest"] = rec["warc-payload-digest"]
    index.update({"length": str(length), "offset": str(offset), "filename": filename})
    key = _url_key(url)
    if rec_type == "response" and request_block is not None and request_block[:4].upper() in (b"POST", b"PUT "):
        request = _HTTP_REQUEST.parse(io.BytesIO(request_block))
        method = request.protocol
        if method.upper() in ("POST", "PUT"):
            payload = io.BytesIO(request_block)
            _HTTP_REQUEST.parse(payload)  # to the end of the head: the stream is at the body
            query, append = append_method_query(method, request.get_header("Content-Type"),
                                                request.get_header("Content-Length"), payload, url)
            index["requestBody"] = query
            index["method"] = method.upper()
            key = _url_key(url + append)
    return f"{key} {iso_date_to_timestamp(rec['warc-date'])} {json.dumps(index)}\n"


class CdxjLines:
    """The CDXJ lines of the records a WarcFileWriter writes, kept in a side file until the end."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self.files: set[str] = set()  # WARC files whose every record went through here

    def opened(self, filename: str) -> None:
        self.files.add(filename)

    def add(self, filename: str, offset: int, length: int, headers: list[tuple[str, str]],
            block: bytes | bytearray, request_block: bytes | None = None) -> None:
        line = cdxj_line(filename, offset, length, headers, block, request_block)
        if line is not None:
            self._fh.write(line)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()


def write_cdxj(warc_files: list[str | os.PathLike], output: str | os.PathLike, lines: CdxjLines | None = None) -> Path:
    """Index ``warc_files`` into ``output`` (sorted CDXJ, filenames relative to the WARC directory).

    With ``lines``, the files it saw whole take their lines from it; the others are read again.
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    files = [str(f) for f in warc_files]
    root = os.path.commonpath([os.path.dirname(f) for f in files]) if files else None
    known = set()
    if lines is not None:
        lines.close()
        known = {f for f in files if os.path.relpath(f, root) in lines.files}
    tmp = output.with_suffix(output.suffix + ".tmp")
    if not known:
        with open(tmp, "w", encoding="utf-8") as out:
            write_cdx_index(out, files, {"sort": True, "dir_root": root, "post_append": True})
    else:
        rest = io.StringIO()
        if len(known) < len(files):
            write_cdx_index(rest, [f for f in files if f not in known], {"dir_root": root, "post_append": True})
        with open(lines.path, encoding="utf-8") as fh:
            everything = fh.readlines()
        everything += rest.getvalue().splitlines(keepends=True)
        everything.sort()
        with open(tmp, "w", encoding="utf-8") as out:
            out.writelines(everything)
    os.replace(tmp, output)
    if lines is not None:
        lines.path.unlink(missing_ok=True)
    return output
