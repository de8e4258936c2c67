"""Benchmarks of the archive database and the site (`python -m bench build`).

1. Build throughput: reports/s of `archive.build.build` over a generated crawl (real WARC files and
   crawl log written by archive.warc / archive.crawllog; report pages and PDF attachments made from
   the seed reports of farm/data; a share of image-only pages), with the real parser.
2. Database size per 1,000 reports of that build.
3. Every canned query of datasette/metadata.yml, the canned search and the reports table search
   (`?_search=`), through an in-process Datasette, on a generated 100,000-report database
   (20,600 agencies × 5 years less ~2% missing agency-years, all long tables filled, made with bulk inserts through the
   project's own schema and search segmentation; cached under .cache/bench_build/). Target: each
   under 200 ms (median of 5 runs after one warm-up).
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import os
import random
import shutil
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench_build"
SEEDS = ROOT / "farm" / "data"
TARGET_MS = 200.0
BIG_REPORTS = 100_000
BIG_AGENCIES = 20_600  # × 5 years, less ~2% agency-years with no report, cut at 100,000 reports
YEARS = (2019, 2020, 2021, 2022, 2023)

QUERY_PARAMS = {
    "search": {"q": "复议"},
    "top_agencies": {"year": "2023"},
    "refusal_rates": {"year": "2023", "min_handled": "10"},
    "failing_checks": {"check": "", "year": ""},
    "year_over_year": {"agency": "县卫生健康局"},
    "missing_reports": {"year": "2023"},
}
EXTRA_REQUESTS = {
    "search (行政复议)": "/nianbao/search.json?q=行政复议&_shape=array",
    "search (信访, 2 words)": "/nianbao/search.json?q=信访+办理&_shape=array",
    "failing_checks (x.carry_over, 2023)": "/nianbao/failing_checks.json?check=x.carry_over&year=2023&_shape=array",
    "reports table ?_search=复议 (no facets/count)": "/nianbao/reports.json?_search=复议&_nofacet=1&_nocount=1",
    "report_figures table page (4 facets)": "/nianbao/report_figures.json?_size=50",
    "reports table page (5 facets)": "/nianbao/reports.json?_size=50",
}
# Measured and printed, outside the 200 ms target: Datasette's table view over a search that matches
# most of 100,000 reports recounts the matches and recomputes five facets over them (each ~90 ms).
INFORMATIONAL = {
    "reports table ?_search=复议 (count + 5 facets)": "/nianbao/reports.json?_search=复议&_size=50",
    "reports table ?_search=信访 (count + 5 facets)": "/nianbao/reports.json?_search=信访&_size=50",
}


# --- 1 + 2: build throughput ---------------------------------------------------------------

def _seed_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))
            if "traditional" not in p.stem}


def _pages():
    """The report-page and PDF makers of the build tests (tests/archive/crawldir.py)."""
    sys.path.insert(0, str(ROOT / "tests" / "archive"))
    import crawldir

    return crawldir


def make_crawl(directory: Path, n_html: int = 150, n_pdf: int = 30, n_image: int = 20) -> dict[str, int]:
    """A crawl of generated agencies' reports: HTML pages, pages + PDF attachments, image-only pages."""
    from archive.crawllog import CrawlLog
    from archive.warc import WarcFileWriter

    rng = random.Random(7)
    seeds = _seed_texts()
    moment = [datetime(2024, 3, 1, tzinfo=UTC)]
    serial = [0]

    def clock():
        moment[0] += timedelta(milliseconds=10)
        return moment[0]

    def record_id():
        serial[0] += 1
        return f"<urn:uuid:{uuid.UUID(int=serial[0])}>"

    crawl_id = "20240301T000000Z"
    writer = WarcFileWriter(directory / "warc", "bench", record_id=record_id, clock=clock)
    log = CrawlLog(directory / "crawls" / crawl_id / "log.jsonl", crawl_id)

    def fetch(url, body, content_type, role, gzipped=False, **extra):
        wire = gzip.compress(body, mtime=0) if gzipped else body
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(wire)}\r\n"
        head += "Content-Encoding: gzip\r\n" if gzipped else ""
        loc = writer.write_exchange(url, f"GET {url} HTTP/1.1\r\n\r\n".encode(), head.encode() + b"\r\n" + wire)
        log.write(url=url, status=200, role=role, content_type=content_type, payload_digest=loc.payload_digest,
                  warc_file=loc.warc_file, warc_offset=loc.warc_offset, warc_length=loc.warc_length,
                  warc_record_id=loc.warc_record_id, **extra)

    names = list(seeds)
    pages = _pages()
    pdf_cache: dict[str, bytes] = {}
    for i in range(n_html + n_pdf + n_image):
        seed = names[i % len(names)]
        original = json.loads((SEEDS / f"{seed}.expected.json").read_text(encoding="utf-8"))["agency"]
        agency = f"第{i}县{rng.choice(['卫生健康局', '教育局', '财政局', '民政局', '人民政府办公室'])}"
        title = f"{agency}2023年政府信息公开工作年度报告"
        text = seeds[seed].replace(original, agency)
        url = f"http://www.county{i}.gov.cn/zwgk/ndbg/t20240125_{i}.html"
        common = {"agency": agency, "year": 2023, "title": title, "seed_agency": agency, "seed_url": url}
        if i < n_html:
            fetch(url, pages.report_html(title, text).encode(), "text/html; charset=utf-8", "report",
                  gzipped=i % 3 == 0, **common)
        elif i < n_html + n_pdf:
            fetch(url, pages.report_html(title, "年报全文见附件。").encode(), "text/html; charset=utf-8", "report",
                  **common)
            pdf = pdf_cache.setdefault(seed, pages.text_pdf(seeds[seed]))
            fetch(url.replace(".html", ".pdf"), pdf, "application/pdf", "attachment", parent_url=url, **common)
        else:
            body = (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
                    f'<p><img src="scan{i}.jpg"></p></body></html>').encode()
            fetch(url, body, "text/html; charset=utf-8", "report", **common)
    writer.close()
    log.close()
    return {"html": n_html, "pdf": n_pdf, "image_only": n_image}


def bench_build_throughput() -> dict:
    from archive.build import Progress, build

    work = CACHE / "throughput"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    mix = make_crawl(work)
    started = time.perf_counter()
    stats = build(work, progress=Progress(stream=io.StringIO()))
    seconds = time.perf_counter() - started
    reports = sum(stats.statuses.values())
    size = (work / "nianbao.db").stat().st_size
    warc = sum(p.stat().st_size for p in (work / "warc").glob("*.warc.gz"))
    figures = {
        "reports": reports, "mix": mix, "statuses": stats.statuses, "seconds": round(seconds, 2),
        "reports_per_second": round(reports / seconds, 1),
        "db_bytes": size, "db_mb_per_1000_reports": round(size / reports * 1000 / 1e6, 2),
        "warc_mb_per_1000_reports": round(warc / reports * 1000 / 1e6, 2),
    }
    started = time.perf_counter()
    again = build(work, progress=Progress(stream=io.StringIO()))
    figures["rebuild_nothing_new_seconds"] = round(time.perf_counter() - started, 3)
    figures["rebuild_parsed"] = again.reports_parsed
    print(f"build: {reports} reports ({mix}) in {seconds:.1f} s = {figures['reports_per_second']} reports/s "
          f"(parser + WARC read + save; parsing in {os.cpu_count()} worker processes); statuses {stats.statuses}")
    print(f"build: database {size / 1e6:.2f} MB = {figures['db_mb_per_1000_reports']} MB per 1,000 reports "
          f"(WARC {figures['warc_mb_per_1000_reports']} MB per 1,000); rebuild with nothing new "
          f"{figures['rebuild_nothing_new_seconds']} s, {again.reports_parsed} parsed")
    return figures


# --- 3: the 100,000-report database ----------------------------------------------------------

def _paragraphs() -> list[str]:
    out = []
    for text in _seed_texts().values():
        for line in text.splitlines():
            line = line.strip()
            if len(line) >= 40:
                out.append(line[:400])
    return out


def big_database() -> Path:
    """The generated 100,000-report database (cached; rebuilt when the schema or this generator changes)."""
    from archive import db as adb

    key = f"v4-s{adb.SCHEMA_VERSION}-g{adb.SEGMENTER_VERSION}-{BIG_REPORTS}"
    path = CACHE / f"big-{key}.db"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob("big-*.db"):
        old.unlink()
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    _generate(tmp)
    tmp.rename(path)
    print(f"big database: generated {BIG_REPORTS:,} reports in {time.perf_counter() - started:.0f} s "
          f"({path.stat().st_size / 1e9:.2f} GB) -> {path}")
    return path


def _generate(path: Path) -> None:
    import sqlite_utils

    from archive import db as adb
    from archive import gazetteer

    rng = random.Random(20240101)
    database = sqlite_utils.Database(path)
    database.execute("pragma journal_mode = off")
    database.execute("pragma synchronous = off")
    adb.ensure_schema(database)
    conn = database.conn
    counties = [d for d in gazetteer.divisions().values() if d.level == "county"]
    kinds = ["人民政府", "人民政府办公室", "卫生健康局", "教育局", "财政局", "民政局", "公安局", "自然资源局",
             "住房和城乡建设局", "市场监督管理局", "信访局", "生态环境局", "交通运输局", "人力资源和社会保障局"]
    agencies, seen = [], set()
    for i in range(BIG_AGENCIES):
        county = counties[i % len(counties)]
        name = county.name + kinds[(i // len(counties)) % len(kinds)]
        if name in seen:  # 鼓楼区 and the like exist in several cities
            prefix = gazetteer.divisions().get(county.adcode[:4] + "00")
            name = (prefix.name if prefix else county.adcode) + name
        if name in seen:
            name = f"{county.adcode}{name}"
        seen.add(name)
        place = gazetteer.place(name, adcode=county.adcode)
        agencies.append((i + 1, name, name, place.level, place.province, place.city, place.county, place.parent,
                         place.adcode, None))
    conn.executemany("insert into agencies values (?,?,?,?,?,?,?,?,?,?)", agencies)

    paragraphs = _paragraphs()
    segmented = [adb.segment(p) for p in paragraphs]
    t3_rows = [r for r in adb.TABLE3_ROWS if r != "3.6"]
    t3_cols = list(adb.TABLE3_COLUMNS)
    reports, figures, t2, t3, t4, checks, fts, texts = [], [], [], [], [], [], [], []
    version = "bench"

    def flush():
        conn.executemany("insert into reports (rowid, id, agency_id, agency, province, level, year, title, url, "
                         "document_url, format, published, template, parse_status, parser_version, is_latest, "
                         "fetched_at, crawl_id, archived, text_length) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         reports)
        conn.executemany("insert into report_texts (report_id, text) values (?, ?)", texts)
        conn.executemany("insert into report_figures values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         figures)
        conn.executemany("insert into table2 (report_id, item, field, value, provenance, parser_version) "
                         "values (?,?,?,?,?,?)", t2)
        conn.executemany("insert into table3 (report_id, row, col, value, provenance, parser_version) "
                         "values (?,?,?,?,?,?)", t3)
        conn.executemany("insert into table4 (report_id, grp, outcome, value, provenance, parser_version) "
                         "values (?,?,?,?,?,?)", t4)
        conn.executemany("insert into checks values (?,?,?,?,?,?,?,?,?)", checks)
        conn.executemany("insert into reports_fts (rowid, title, agency, body) values (?,?,?,?)", fts)
        for batch in (reports, figures, t2, t3, t4, checks, fts, texts):
            batch.clear()

    rowid = 0
    for agency in agencies:
        agency_id, name, _, level, province, city, *_ = agency
        for year in YEARS:
            if (agency_id * 7 + year) % 41 == 0 or rowid >= BIG_REPORTS:  # an agency-year with no report
                continue
            rowid += 1
            rid = f"{rowid:016x}"
            title = f"{name}{year}年政府信息公开工作年度报告"
            picks = rng.sample(range(len(paragraphs)), 4)
            text = title + "\n" + "\n".join(paragraphs[k] for k in picks)
            status = rng.choices(["ok", "partial", "image_only", "error"], [90, 6, 3, 1])[0]
            reports.append((rowid, rid, agency_id, name, province, level, year, title,
                            f"http://www.a{agency_id}.gov.cn/ndbg/{year}.html", None, "html", f"{year + 1}-01-20",
                            "2021" if year >= 2021 else "2019", status, version, 1, f"{year + 1}-03-01T00:00:00Z",
                            f"{year + 1}0301T000000Z", f"/-/archive/{rid}", len(text)))
            texts.append((rid, text))
            fts.append((rowid, adb.segment(title), adb.segment(name), adb.segment(title) + " " +
                        " ".join(segmented[k] for k in picks)))
            figure = [None] * 18
            failed = 0
            if status in ("ok", "partial"):
                new = int(rng.lognormvariate(3, 1.3))
                cells = {}
                for r in t3_rows:
                    total = new if r in ("1", "3.7") else rng.randint(0, max(1, new // 4))
                    for c in t3_cols:
                        value = total if c in ("total", "natural_person") else 0
                        cells[(r, c)] = value
                        t3.append((rid, r, c, value, '{"line": 1, "part": 0}', version))
                for g in adb.TABLE4_GROUPS:
                    for o in adb.TABLE4_OUTCOMES:
                        t4.append((rid, g, o, rng.randint(0, 3), '{"line": 1, "part": 0}', version))
                for item, fields in (("regulations", ("issued", "repealed", "in_force")),
                                     ("normative_documents", ("issued", "repealed", "in_force")),
                                     ("licensing", ("decisions",)), ("punishment", ("decisions",)),
                                     ("coercion", ("decisions",)), ("fees", ("amount",))):
                    for f in fields:
                        t2.append((rid, item, f, rng.randint(0, 50), '{"line": 1, "part": 0}', version))
                for check, wheres in (("t3.balance", t3_cols), ("t3.outcomes_sum", t3_cols),
                                      ("t3.total_column", t3_rows), ("t4.group_totals", list(adb.TABLE4_GROUPS)),
                                      ("x.carry_over", t3_cols)):
                    for where in wheres:
                        ok = rng.random() > 0.01
                        failed += not ok
                        checks.append((rid, check, where, int(ok), 5, 5 if ok else 6,
                                       "cross_year" if check.startswith("x.") else "report", None, version))
                refused = rng.randint(0, max(1, new // 5))
                figure = [new, rng.randint(0, 5), new // 3, new // 5, refused, new // 4, 0, 0, new, 0,
                          rng.randint(0, 3), 0, rng.randint(0, 3), 0, round(rng.random() * 10, 2), 10, 40, failed]
            figures.append((rid, agency_id, name, province, city, level, agency[8], year, status, 1, *figure, version))
        if len(reports) >= 5000:
            flush()
    flush()
    conn.commit()
    database.execute("analyze")
    conn.commit()
    database.close()


def bench_queries(path: Path) -> dict:
    import yaml

    from nianbao.serve import METADATA, make_datasette

    directory = CACHE / "big-site"
    directory.mkdir(parents=True, exist_ok=True)
    link = directory / "nianbao.db"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(path)
    queries = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"]["nianbao"]["queries"]
    missing = sorted(set(queries) - set(QUERY_PARAMS))
    if missing:
        raise RuntimeError(f"no benchmark parameters for canned queries {missing}")
    requests = {name: f"/nianbao/{name}.json?" + "&".join(f"{k}={v}" for k, v in QUERY_PARAMS[name].items())
                + "&_shape=array" for name in queries}
    requests.update(EXTRA_REQUESTS)
    requests.update(INFORMATIONAL)

    async def measure():
        ds = make_datasette(directory)
        await ds.invoke_startup()
        out = {}
        for name, url in requests.items():
            first = await ds.client.get(url)
            if first.status_code != 200:
                raise RuntimeError(f"{name}: HTTP {first.status_code}: {first.text[:300]}")
            body = first.json()
            rows = len(body) if isinstance(body, list) else len(body.get("rows", []))
            times = []
            for _ in range(5):
                started = time.perf_counter()
                response = await ds.client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            out[name] = {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                         "rows": rows, "under_target": statistics.median(times) < TARGET_MS,
                         "targeted": name not in INFORMATIONAL}
        return out

    results = asyncio.run(measure())
    for name, r in results.items():
        flag = ("ok " if r["under_target"] else "SLOW") if r["targeted"] else "info"
        print(f"query {flag} {name:40s} median {r['median_ms']:7.1f} ms  max {r['max_ms']:7.1f} ms  "
              f"{r['rows']} rows")
    return results


def run() -> dict:
    figures = {"build": bench_build_throughput()}
    path = big_database()
    figures["big_db"] = {"reports": BIG_REPORTS, "agencies": BIG_AGENCIES, "bytes": path.stat().st_size}
    figures["queries"] = bench_queries(path)
    slow = [name for name, r in figures["queries"].items() if r["targeted"] and not r["under_target"]]
    figures["all_queries_under_200ms"] = not slow
    print(f"queries on {BIG_REPORTS:,} reports: {'all under' if not slow else 'OVER'} {TARGET_MS:.0f} ms"
          + (f" (slow: {', '.join(slow)})" if slow else ""))
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(run(), indent=2, ensure_ascii=False))
