"""Hand-made crawl directories for the build and site tests: real WARC files + crawl logs.

Written with the project's own WARC writer and crawl log (archive.warc, archive.crawllog) exactly as
ARCHITECTURE.md's contract says, with fixed record ids and clocks so every run gives the same bytes.
The report pages wrap the real seed reports of farm/data; the edge cases are the ones
real portals serve: a PDF attachment holding the tables, a gzip + chunked response, a GBK page
that declares its charset only in a meta tag, an image-only report, a look-alike 解读 page, a robots
refusal (logged, nothing captured) and a page captured again unchanged.
"""

from __future__ import annotations

import gzip
import html
import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.crawllog import CrawlLog
from archive.warc import WarcFileWriter

SEEDS = Path(__file__).resolve().parents[2] / "farm" / "data"  # the five hand-checked seed reports, one copy
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def seed_text(name: str) -> str:
    return (SEEDS / f"{name}.txt").read_text(encoding="utf-8")


def report_html(title: str, text: str, *, charset: str = "utf-8", extra: str = "") -> str:
    """A portal article page: title, date line, the report as paragraphs (cells one per line)."""
    paragraphs = "\n".join(f"<p>{html.escape(line.strip())}</p>" for line in text.splitlines() if line.strip())
    return (f'<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>{html.escape(title)}</title></head>\n'
            f'<body><div class="article"><h1>{html.escape(title)}</h1>\n'
            f'<div class="info">发布时间：2024-01-25 来源：本机关</div>\n'
            f'<div class="content">\n{paragraphs}\n{extra}</div></div>\n'
            f'<script>document.title = "pwned:" + document.domain;</script></body></html>\n')


def text_pdf(text: str) -> bytes:
    """The report as a text PDF (one printed line per text line), byte-identical on every run."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", FONT, subfontIndex=0))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, invariant=1)
    y = 800
    for line in text.splitlines():
        line = line.replace("\t", " ").strip()
        while line:
            chunk, line = line[:45], line[45:]
            if y < 50:
                pdf.showPage()
                y = 800
            pdf.setFont("wqy", 10)
            pdf.drawString(40, y, chunk)
            y -= 14
    pdf.save()
    return buf.getvalue()


def scanned_pdf() -> bytes:
    """A scanned report: pages that are pictures, no text layer."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, invariant=1)
    for page in range(2):
        for row in range(40):
            pdf.setFillGray(0.2 + 0.01 * ((row * 7 + page) % 50))
            pdf.rect(40, 780 - row * 18, 200 + (row * 37) % 300, 10, stroke=0, fill=1)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def shift_year(text: str, years: int = -1) -> str:
    """The same report a year earlier: every 20xx年 moved (oldest first, so none is moved twice)."""
    import re

    return re.sub(r"(20\d\d)(年)", lambda m: f"{int(m.group(1)) + years}{m.group(2)}", text)


def set_cells(text: str, label: str, values: list[int]) -> str:
    """Replace the cells that follow the line `label` (one cell per line, as the seed texts print them)."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == label)
    i, k = at + 1, 0
    while k < len(values):
        if lines[i].strip().lstrip("-").isdigit():
            lines[i] = "\t" + str(values[k])
            k += 1
        i += 1
    return "\n".join(lines) + "\n"


def chunked(body: bytes, size: int = 700) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


@dataclass
class Capture:
    url: str
    role: str
    entry: dict
    body: bytes  # decoded body, as a browser would get it
    wire: bytes  # payload bytes as sent (encoded/chunked)
    content_type: str | None


@dataclass
class CrawlWriter:
    """One crawl: WARC file(s) + log, deterministic ids and times."""

    directory: Path
    crawl_id: str
    start: datetime
    serial: int = 0
    captures: list[Capture] = field(default_factory=list)

    def __post_init__(self):
        self.moment = self.start
        self.warc = WarcFileWriter(self.directory / "warc", f"nianbao-{self.crawl_id}",
                                   record_id=self._record_id, clock=self._clock)
        self.log = CrawlLog(self.directory / "crawls" / self.crawl_id / "log.jsonl", self.crawl_id,
                            clock=lambda: self.moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))

    def _record_id(self) -> str:
        self.serial += 1
        return f"<urn:uuid:{uuid.UUID(int=int(self.start.timestamp()) * 100000 + self.serial)}>"

    def _clock(self) -> datetime:
        return self.moment

    def fetch(self, url: str, body: bytes, content_type: str | None, *, role: str, status: int = 200,
              encoding: str | None = None, chunk: bool = False, **log) -> Capture:
        self.moment += timedelta(seconds=1)
        wire = gzip.compress(body, mtime=0) if encoding == "gzip" else body
        headers = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Status'}", "Server: portal"]
        if content_type:
            headers.append(f"Content-Type: {content_type}")
        if encoding:
            headers.append(f"Content-Encoding: {encoding}")
        if chunk:
            headers.append("Transfer-Encoding: chunked")
            wire = chunked(wire)
        else:
            headers.append(f"Content-Length: {len(wire)}")
        response = ("\r\n".join(headers) + "\r\n\r\n").encode("latin-1") + wire
        host = url.split("/")[2]
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: gzip\r\n\r\n".encode()
        loc = self.warc.write_exchange(url, request, response)
        entry = self.log.write(url=url, status=status, role=role, content_type=content_type,
                               payload_digest=loc.payload_digest, warc_file=loc.warc_file,
                               warc_offset=loc.warc_offset, warc_length=loc.warc_length,
                               warc_record_id=loc.warc_record_id, **log)
        capture = Capture(url, role, entry, body, wire, content_type)
        self.captures.append(capture)
        return capture

    def revisit(self, original: Capture, **log) -> Capture:
        """The same page again, unchanged: a revisit record pointing at the original's payload."""
        self.moment += timedelta(seconds=1)
        e = original.entry
        head = f"HTTP/1.1 200 OK\r\nServer: portal\r\nContent-Type: {original.content_type}\r\n\r\n".encode()
        loc = self.warc.write_revisit(original.url, head, payload_digest=e["payload_digest"],
                                      refers_to=e["warc_record_id"], refers_to_uri=original.url,
                                      refers_to_date=e["fetched_at"])
        entry = self.log.write(url=original.url, status=200, role=original.role, content_type=original.content_type,
                               payload_digest=loc.payload_digest, warc_file=loc.warc_file,
                               warc_offset=loc.warc_offset, warc_length=loc.warc_length,
                               warc_record_id=loc.warc_record_id, **log)
        capture = Capture(original.url, original.role, entry, original.body, b"", original.content_type)
        self.captures.append(capture)
        return capture

    def outcome(self, url: str, role: str, reason: str, **log) -> dict:
        self.moment += timedelta(seconds=1)
        return self.log.write(url=url, status=None, role=role, reason=reason, **log)

    def close(self) -> None:
        self.warc.close()
        self.log.close()


YIYANG = "http://www.yiyang.gov.cn"
XIANGXIANG = "http://www.xiangxiang.gov.cn"
LIUYANG = "http://www.liuyang.gov.cn"
COUNTY = "http://www.mmx.gov.cn"
YANGQUAN = "http://www.yq.gov.cn"


def first_crawl(directory: Path) -> dict[str, Capture]:
    """Crawl 1 (spring 2024): five reports of five kinds, a 2022 report, a look-alike, a refusal."""
    crawl = CrawlWriter(Path(directory), "20240301T000000Z", datetime(2024, 3, 1, tzinfo=UTC))
    got: dict[str, Capture] = {}
    yiyang = seed_text("yiyang-city-office-2023")
    title = "益阳市人民政府办公室2023年政府信息公开工作年度报告"
    got["column"] = crawl.fetch(f"{YIYANG}/zwgk/ndbg/index.html",
                                "<html><body><a href='t1.html'>年报</a></body></html>".encode(),
                                "text/html; charset=utf-8", role="column", seed_agency="益阳市人民政府",
                                seed_url=f"{YIYANG}/")
    got["yiyang"] = crawl.fetch(f"{YIYANG}/zwgk/ndbg/202401/t20240125_1.html", report_html(title, yiyang).encode(),
                                "text/html; charset=utf-8", role="report", agency="益阳市人民政府办公室", year=2023,
                                title=title, seed_agency="益阳市人民政府", seed_url=f"{YIYANG}/",
                                parent_url=f"{YIYANG}/zwgk/ndbg/index.html")
    # The year before (served gzip-encoded and chunked), as published a year earlier: its 结转下年度 must equal 2023's 上年结转
    # (it does), and 规章 in force 6 + 1 − 0 = 7 holds while 行政规范性文件 260 + 27 − 91 ≠ 204.
    earlier = set_cells(set_cells(shift_year(yiyang), "四、结转下年度继续办理", [1, 0, 0, 0, 0, 0, 1]),
                        "规章", [2, 0, 6])
    earlier = set_cells(earlier, "行政规范性文件", [20, 3, 260])
    title22 = "益阳市人民政府办公室2022年政府信息公开工作年度报告"
    got["yiyang2022"] = crawl.fetch(f"{YIYANG}/zwgk/ndbg/202301/t20230120_1.html",
                                    report_html(title22, earlier).encode(), "text/html; charset=utf-8",
                                    encoding="gzip", chunk=True, role="report", agency="益阳市人民政府办公室", year=2022, title=title22,
                                    seed_agency="益阳市人民政府", seed_url=f"{YIYANG}/")
    got["lookalike"] = crawl.fetch(f"{YIYANG}/zwgk/zcjd/202401/t20240126_9.html",
                                   report_html("图解：益阳市人民政府办公室2023年政府信息公开工作年度报告",
                                               "一图读懂年报。本机关全年办理政府信息公开申请，推进行政复议工作。").encode(),
                                   "text/html; charset=utf-8", role="lookalike", reason="解读",
                                   title="图解：益阳市人民政府办公室2023年政府信息公开工作年度报告",
                                   seed_agency="益阳市人民政府", seed_url=f"{YIYANG}/")
    crawl.outcome(f"{YIYANG}/search?q=年报", "robots", "disallowed by robots.txt",
                  seed_agency="益阳市人民政府", seed_url=f"{YIYANG}/")

    # Tables in a PDF attachment; the page only introduces it.
    xx_title = "湘乡市信访局2023年政府信息公开工作年度报告"
    xx_page = f"{XIANGXIANG}/zwgk/ndbg/202401/t20240115_7.html"
    got["xiangxiang"] = crawl.fetch(
        xx_page, report_html(xx_title, "现将本机关2023年政府信息公开工作年度报告予以公布。",
                             extra='<p><a href="P020240115.pdf">附件：湘乡市信访局2023年政府信息公开工作年度报告.pdf</a></p>').encode(),
        "text/html; charset=utf-8", role="report", agency="湘乡市信访局", year=2023, title=xx_title,
        seed_agency="湘乡市信访局", seed_url=f"{XIANGXIANG}/")
    got["xiangxiang_pdf"] = crawl.fetch(f"{XIANGXIANG}/zwgk/ndbg/202401/P020240115.pdf",
                                        text_pdf(seed_text("xiangxiang-petitions-bureau-2023")), "application/pdf",
                                        role="attachment", parent_url=xx_page, agency="湘乡市信访局", year=2023,
                                        title="附件：湘乡市信访局2023年政府信息公开工作年度报告.pdf",
                                        seed_agency="湘乡市信访局", seed_url=f"{XIANGXIANG}/")

    # Traditional characters.
    ly_title = "瀏陽市2023年政府信息公開工作年度報告"
    got["liuyang"] = crawl.fetch(f"{LIUYANG}/zwgk/ndbg/202401/t20240130_3.html",
                                 report_html(ly_title, seed_text("liuyang-city-2023-traditional-pinyin")).encode(),
                                 "text/html; charset=utf-8", role="report",
                                 agency="浏阳市人民政府", year=2023, title=ly_title, seed_agency="浏阳市人民政府",
                                 seed_url=f"{LIUYANG}/")

    # GBK page whose charset is only in its meta tag.
    county = seed_text("county-office-2023-tabbed")
    c_title = county.strip().splitlines()[0].strip()[:60] or "县政府办公室2023年政府信息公开工作年度报告"
    got["county"] = crawl.fetch(f"{COUNTY}/xxgk/ndbg/202401/t20240120_5.html",
                                report_html(c_title, county, charset="gbk").encode("gbk", errors="xmlcharrefreplace"),
                                "text/html", role="report", year=2023, title=c_title,
                                seed_agency="某某县人民政府", seed_url=f"{COUNTY}/")

    # A scanned report: the page holds only an image.
    img_title = "某某县交通运输局2023年政府信息公开工作年度报告"
    got["image_only"] = crawl.fetch(
        f"{COUNTY}/xxgk/ndbg/202401/t20240122_6.html",
        (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{img_title}</title></head><body>'
         f'<div class="article"><h1>{img_title}</h1><div class="content">'
         f'<p><img src="W020240122.jpg" alt=""></p><p><img src="W020240122_2.jpg" alt=""></p>'
         f'</div></div></body></html>').encode(),
        "text/html; charset=utf-8", role="report", agency="某某县交通运输局", year=2023, title=img_title,
        seed_agency="某某县人民政府", seed_url=f"{COUNTY}/")
    # A page that only introduces its scanned PDF: the report is image-only, read from the PDF.
    scan_title = "湘乡市住房和城乡建设局2023年政府信息公开工作年度报告"
    scan_page = f"{XIANGXIANG}/zwgk/ndbg/202401/t20240118_8.html"
    got["scanned"] = crawl.fetch(
        scan_page, report_html(scan_title, "现将本机关2023年政府信息公开工作年度报告予以公布。",
                               extra='<p><a href="P020240118.pdf">附件：年度报告（扫描件）.pdf</a></p>').encode(),
        "text/html; charset=utf-8", role="report", agency="湘乡市住房和城乡建设局", year=2023, title=scan_title,
        seed_agency="湘乡市住房和城乡建设局", seed_url=f"{XIANGXIANG}/")
    got["scanned_pdf"] = crawl.fetch(f"{XIANGXIANG}/zwgk/ndbg/202401/P020240118.pdf", scanned_pdf(),
                                     "application/pdf", role="attachment", parent_url=scan_page,
                                     seed_agency="湘乡市住房和城乡建设局", seed_url=f"{XIANGXIANG}/")

    # A 解读 the crawler took for a report: its title quotes the report's.
    misfiled_title = "一文读懂《湘乡市信访局2023年政府信息公开工作年度报告》"
    got["misfiled_lookalike"] = crawl.fetch(
        f"{XIANGXIANG}/zwgk/zcjd/202401/t20240116_9.html",
        report_html(misfiled_title, "湘乡市信访局2023年政府信息公开工作年度报告。一图读懂本机关全年政府信息公开工作。").encode(),
        "text/html; charset=utf-8", role="report", agency="湘乡市信访局", year=2023, title=misfiled_title,
        seed_agency="湘乡市信访局", seed_url=f"{XIANGXIANG}/")
    crawl.close()
    return got


def second_crawl(directory: Path, first: dict[str, Capture]) -> dict[str, Capture]:
    """Crawl 2 (a week later): one new report, the 益阳 report page again, unchanged (a revisit record), and
    the county page again with new bytes but the same report."""
    crawl = CrawlWriter(Path(directory), "20240308T000000Z", datetime(2024, 3, 8, tzinfo=UTC))
    got: dict[str, Capture] = {}
    title = "益阳市人民政府办公室2023年政府信息公开工作年度报告"
    got["yiyang"] = crawl.revisit(first["yiyang"], agency="益阳市人民政府办公室", year=2023, title=title,
                                  seed_agency="益阳市人民政府", seed_url=f"{YIYANG}/")
    # The GBK county page again: new bytes (a visit counter), the same report.
    county = first["county"]
    got["county"] = crawl.fetch(county.url, county.body.replace(b"</body>", b"<!-- visits: 1234 --></body>"),
                                county.content_type, role="report", year=2023, title=county.entry["title"],
                                seed_agency="某某县人民政府", seed_url=f"{COUNTY}/")
    yq_title = "阳泉市人民政府2023年政府信息公开工作年度报告"
    got["yangquan"] = crawl.fetch(f"{YANGQUAN}/zwgk/ndbg/202402/t20240201_2.html",
                                  report_html(yq_title, seed_text("yangquan-city-2023")).encode(),
                                  "text/html; charset=utf-8", role="report", agency="阳泉市人民政府", year=2023,
                                  title=yq_title, seed_agency="阳泉市人民政府", seed_url=f"{YANGQUAN}/")
    crawl.close()
    return got
