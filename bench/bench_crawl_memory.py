"""Crawler peak RSS over a large crawl (issue 3: < 300 MB over 50,000 pages).

bench_crawl.py measures the farm's few hundred pages; this one serves a synthetic TRS portal of
its own on loopback, big enough to make ``nianbao crawl`` fetch ``NIANBAO_BENCH_PAGES`` pages
(default 50,000), and samples the crawl process's RSS every second: peak (VmHWM) and RSS at each
10 % of progress, to see whether memory stays flat or grows with the crawl. Then the next spring's crawl of the same
portal into the same folder (``NIANBAO_BENCH_RECRAWL=0`` skips it): it loads the first crawl's
captures to send conditional requests and write revisit records, the maintainer's yearly run.

The portal: a home page linking the 年报 column (政府信息公开年报), whose list pages paginate the
TRS way (``createPageHTML(count, 0, "index", "html")`` on every list page, ``index_N.html``) to
small article pages titled like real reports (某某县某镇人民政府2023年政府信息公开工作年度报告),
every (agency, year) distinct. The server is a plain threaded HTTP proxy (the crawl reaches the
``gov.cn`` host through ``http_proxy``, as it does the farm), TCP_NODELAY, one send per response.
The crawler's own budgets (host pages, URL patterns, list pages) are raised on the command line
so that the whole column is walked; politeness delays are off (loopback, our own server).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "www.cslxx.gov.cn"
SEED_AGENCY = "测试县人民政府"
PER_LIST = 100  # articles per list page
TOWN_CHARS = "东西南北中上下前后左右大小新老长安平和兴福泰康宁华光明清河山水石林松柏桥湾沟坪坝岭塘"
KINDS = ("镇人民政府", "乡人民政府", "街道办事处", "农业农村局")
YEARS = range(2008, 2025)


def article_title(n: int) -> str:
    """A distinct (agency, year) per article, so none is taken for a repost of another."""
    year = YEARS[n % len(YEARS)]
    i = n // len(YEARS)
    k = len(TOWN_CHARS)
    town = TOWN_CHARS[i % k] + TOWN_CHARS[(i // k) % k] + TOWN_CHARS[(i // (k * k)) % k]
    return f"测试县{town}{KINDS[(i // (k * k * k)) % len(KINDS)]}{year}年政府信息公开工作年度报告"


def article_path(n: int) -> str:
    year = YEARS[n % len(YEARS)]
    return f"/zfxxgknb/{year + 1}01/t{year + 1}0115_{100000 + n}.html"


def _html(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_测试县人民政府</title>'
            f'<meta name="SiteName" content="测试县人民政府"></head><body>{body}</body></html>').encode()


class Portal:
    """The synthetic portal: ``articles`` report pages behind one paginated 年报 column."""

    def __init__(self, articles: int) -> None:
        self.articles = articles
        self.list_pages = max(1, -(-articles // PER_LIST))
        self.served = 0
        self.lock = threading.Lock()

    def page(self, path: str) -> tuple[int, str, bytes]:
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        if path in ("/", "/index.html"):
            return 200, "text/html; charset=utf-8", _html(
                "首页", '<ul><li><a href="/zwgk/">政务公开</a></li>'
                        '<li><a href="/zfxxgknb/index.html">政府信息公开年报</a></li></ul>')
        if path.startswith("/zfxxgknb/index"):
            stem = path.rsplit("/", 1)[1].removesuffix(".html")
            n = 0 if stem == "index" else int(stem.split("_")[1]) if stem.startswith("index_") and \
                stem.split("_")[1].isdigit() else -1
            if 0 <= n < self.list_pages:
                items = "".join(
                    f'<li><a href=".{article_path(a)[len("/zfxxgknb"):]}" target="_blank">{article_title(a)}</a>'
                    f'<span>{YEARS[a % len(YEARS)] + 1}-01-15</span></li>'
                    for a in range(n * PER_LIST, min((n + 1) * PER_LIST, self.articles)))
                script = f'<script>createPageHTML({self.list_pages}, {n}, "index", "html");</script>'
                return 200, "text/html; charset=utf-8", _html("政府信息公开年报", f"<ul>{items}</ul>{script}")
        if path.startswith("/zfxxgknb/") and "_" in path:
            try:
                n = int(path.rsplit("_", 1)[1].removesuffix(".html")) - 100000
            except ValueError:
                n = -1
            if 0 <= n < self.articles and article_path(n) == path:
                title = article_title(n)
                body = (f"<h1>{title}</h1><p>本报告根据《中华人民共和国政府信息公开条例》编制。</p>"
                        f"<table><tr><td>收到申请数</td><td>{n % 97}</td></tr>"
                        f"<tr><td>予以公开</td><td>{n % 53}</td></tr></table>")
                return 200, "text/html; charset=utf-8", _html(title, body)
        return 404, "text/html; charset=utf-8", _html("页面不存在", "<p>404 页面不存在</p>")


def serve(portal: Portal) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)  # absolute-form: we are the crawl's proxy
            status, ctype, body = portal.page(parts.path or "/")
            head = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\nContent-Type: {ctype}\r\n"
                    f"Content-Length: {len(body)}\r\nServer: bench-portal\r\n\r\n").encode("latin-1")
            self.wfile.write(head + body)  # one send: headers and body together
            with portal.lock:
                portal.served += 1

        def log_message(self, *args) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def server_bind(self) -> None:
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().server_bind()

        def get_request(self):
            sock, addr = super().get_request()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock, addr

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB, (0, 0) once it is gone."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def crawl_measured(argv: list[str], env: dict, portal: Portal, work: Path, out: Path) -> dict:
    """Run one crawl, sampling its RSS every second: peak, peak while fetching, RSS by progress."""
    served_before = portal.served
    started = time.perf_counter()
    with open(work / "stderr.log", "wb") as err:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        samples: list[tuple[float, int, int]] = []  # (seconds, pages served, RSS kB)
        peak = 0
        while proc.poll() is None:
            rss, hwm = _rss_kb(proc.pid)
            if rss:
                samples.append((time.perf_counter() - started, portal.served - served_before, rss))
                peak = max(peak, hwm)
            time.sleep(1.0)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        tail = (work / "stderr.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"nianbao crawl exited {proc.returncode}: {tail}")
    fetched = portal.served - served_before
    summaries = sorted(out.glob("crawls/*/summary.json"), key=lambda p: p.stat().st_mtime)
    summary = json.loads(summaries[-1].read_text()) if summaries else {}
    crawl_s = float(summary.get("elapsed_s") or elapsed)
    by_decile = []
    for tenth in range(1, 11):
        mark = fetched * tenth / 10
        hit = next((s for s in samples if s[1] >= mark), samples[-1] if samples else None)
        if hit:
            by_decile.append({"pct": tenth * 10, "pages": hit[1], "seconds": round(hit[0], 1),
                              "rss_mb": round(hit[2] / 1024, 1)})
    during = [s for s in samples if s[1] < fetched] or samples
    totals = summary.get("totals", {})
    return {
        "pages_fetched": fetched, "reports": totals.get("report"),
        "revisits": (summary.get("incremental") or {}).get("identical_payload"),
        "seconds": round(elapsed, 1), "crawl_seconds": crawl_s,
        "pages_per_s": round(fetched / elapsed, 1), "crawl_pages_per_s": round(fetched / crawl_s, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "peak_rss_during_fetch_mb": round(max(s[2] for s in during) / 1024, 1) if during else None,
        "rss_by_progress": by_decile,
    }


def run() -> dict:
    """The first crawl of the portal, then (unless ``NIANBAO_BENCH_RECRAWL=0``) the next spring's
    crawl into the same folder, which loads the first one's captures (crawler.incremental)."""
    target = int(os.environ.get("NIANBAO_BENCH_PAGES", "50000"))
    recrawl = os.environ.get("NIANBAO_BENCH_RECRAWL", "1") != "0"
    articles = max(PER_LIST, target - target // (PER_LIST + 1) - 3)  # + list pages, home, robots, probe
    portal = Portal(articles)
    expected = articles + portal.list_pages + 3
    cache = ROOT / ".cache"
    cache.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench_crawl_memory_", dir=cache))
    server = serve(portal)
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        seeds = work / "seeds.csv"
        seeds.write_text(f"agency,url,notes\n{SEED_AGENCY},http://{HOST}/,synthetic bench portal\n", encoding="utf-8")
        big = str(10 * expected + 1000)
        out = work / "out"
        argv = [sys.executable, "-m", "nianbao.cli", "crawl", "--seeds", str(seeds), "--out", str(out),
                "--allow-private",
                "-s", f"NIANBAO_HOST_PAGE_BUDGET={big}", "-s", f"NIANBAO_PATTERN_BUDGET={big}",
                "-s", f"NIANBAO_MAX_LIST_PAGES={portal.list_pages + 1}", "-s", "DEPTH_LIMIT=30",
                "-s", "DOWNLOAD_DELAY=0", "-s", "DOWNLOAD_DELAY_JITTER=0", "-s", "AUTOTHROTTLE_ENABLED=0",
                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "CONCURRENT_REQUESTS=16",
                "-s", "NIANBAO_BROWSER=0", "-s", "NIANBAO_WACZ=0", "-s", "NIANBAO_PROGRESS_INTERVAL=0"]
        env = dict(os.environ, http_proxy=proxy, https_proxy=proxy)
        env.pop("no_proxy", None)
        env.pop("NO_PROXY", None)
        first = crawl_measured(argv, env, portal, work, out)
        results = {"target_pages": target, "expected_pages": expected, **first, "target_peak_rss_mb": 300}
        if recrawl:
            results["recrawl"] = crawl_measured(argv, env, portal, work, out)
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(work, ignore_errors=True)
    runs = [("first crawl", results)] + ([("next spring", results["recrawl"])] if recrawl else [])
    for name, r in runs:
        print(f"crawl memory, {name}: {r['pages_fetched']} pages fetched (target {target}, {r['reports']} reports) in "
              f"{r['seconds']} s, {r['pages_per_s']} pages/s; peak RSS {r['peak_rss_mb']} MB "
              f"({r['peak_rss_during_fetch_mb']} MB while fetching; target < 300 MB)")
        print(f"crawl memory, {name}: RSS by progress: " + ", ".join(
            f"{d['pct']}% {d['rss_mb']} MB" for d in r["rss_by_progress"]))
    return results


if __name__ == "__main__":
    json.dump(run(), sys.stdout, indent=2, ensure_ascii=False)
