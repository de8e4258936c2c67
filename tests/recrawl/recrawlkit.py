"""Helpers of the re-crawl tests: a farm of two springs (farm.nextyear), a `nianbao crawl` runner
over a few of its portals (the whole farm would make these tests slow), WARC and database readers."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

#: two small portals with no hostile behaviour: a Shandong-style and a snowflake-id CMS
HOSTS = ("www.wuqi.gov.cn", "www.xiyang.gov.cn")
#: an id-addressed portal (Anhui platform) where the next-year step moves a column
MOVED_HOST = "www.zongshan.gov.cn"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NIANBAO_WACZ=False",
        "-s", "NIANBAO_PROGRESS_INTERVAL=60"]


@dataclass
class TwoSprings:
    before: object  # farm.Farm as of last spring
    after: object  # farm.Farm one spring later
    changes: object  # farm.nextyear.YearChanges
    server: object  # farm.FarmServer (serving `before` until a test switches it)
    proxy: str
    seeds: Path  # seeds of HOSTS
    seeds_one: Path  # seeds of the first host only
    seeds_moved: Path  # seeds of MOVED_HOST

    def last_spring(self) -> None:
        self.server.farm = self.before

    def this_spring(self) -> None:
        self.server.farm = self.after


def write_seeds(rows: list[dict], path: Path, hosts: tuple[str, ...]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(r for r in rows if urlsplit(r["url"]).hostname in hosts)
    return path


def _env(proxy: str) -> dict:
    env = dict(os.environ, http_proxy=proxy, https_proxy=proxy)
    env.pop("no_proxy", None)
    env.pop("NO_PROXY", None)
    return env


def crawl_command(seeds: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "nianbao.cli", "crawl", "--seeds", str(seeds), "--out", str(out), *FAST, *extra]


def run_crawl(proxy: str, seeds: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(crawl_command(seeds, out, *extra), capture_output=True, text=True, timeout=300,
                          env=_env(proxy))


def kill_when(proxy: str, seeds: Path, out: Path, ready, timeout: float = 120.0) -> int:
    """Start a crawl, send it SIGKILL from outside as soon as `ready(out)` holds; its return code."""
    proc = subprocess.Popen(crawl_command(seeds, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=_env(proxy))
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if ready(out):
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.005)
        return proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()


def crawl_dirs(out: Path) -> list[Path]:
    return sorted(p for p in (out / "crawls").iterdir() if p.is_dir())


def read_log(crawl_dir: Path) -> list[dict]:
    from archive.crawllog import read_log as read

    return list(read(crawl_dir / "log.jsonl"))


def summary(crawl_dir: Path) -> dict:
    return json.loads((crawl_dir / "summary.json").read_text(encoding="utf-8"))


def warc_records(out: Path, crawl_id: str | None = None) -> list[dict]:
    """Every record of the WARC files (of one crawl), read back by warcio."""
    from warcio.archiveiterator import ArchiveIterator

    pattern = f"nianbao-{crawl_id}-*.warc.gz" if crawl_id else "*.warc.gz"
    out_records = []
    for path in sorted((out / "warc").glob(pattern)):
        with path.open("rb") as fh:
            it = ArchiveIterator(fh)
            for record in it:
                headers = dict(record.rec_headers.headers)
                headers["_file"] = path.name
                headers["_offset"] = it.get_record_offset()
                out_records.append(headers)
    return out_records


def warcio_check(out: Path) -> subprocess.CompletedProcess:
    files = sorted(str(p) for p in (out / "warc").glob("*.warc.gz"))
    return subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", "-v", *files],
                          capture_output=True, text=True, timeout=120)


def build_db(out: Path) -> Path:
    from archive.build import Progress, build

    build(out, seeds_path=None, progress=Progress(stream=open(os.devnull, "w")), workers=1)  # noqa: SIM115
    return out / "nianbao.db"


def db_content(db_path: Path) -> dict:
    """What must not depend on interruptions: report rows and their table values (no ids, no times)."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        reports = sorted(conn.execute(
            "select url, agency, year, title, payload_digest, parse_status, format, document_url, template, "
            "published, revised, gone_reason is not null from reports").fetchall())
        tables = {}
        for table, cols in (("table2", "item, field"), ("table3", "row, col"), ("table4", "grp, outcome")):
            tables[table] = sorted(conn.execute(
                f"select r.url, {', '.join('t.' + c.strip() for c in cols.split(','))}, t.value "
                f"from {table} t join reports r on r.id = t.report_id").fetchall())
        return {"reports": reports, **tables}
    finally:
        conn.close()
