"""Helpers for the farm's own tests: plain HTTP through the farm's proxy, no redirects followed."""

from __future__ import annotations

import gzip
import http.client
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

UA = "Mozilla/5.0 (X11; Linux x86_64) nianbao-tests"


@dataclass
class Fetched:
    status: int
    headers: http.client.HTTPMessage
    raw: bytes  # as sent (gzip included)

    @property
    def body(self) -> bytes:
        if self.headers.get("Content-Encoding") == "gzip":
            return gzip.decompress(self.raw)
        return self.raw

    def text(self, encoding: str = "utf-8") -> str:
        return self.body.decode(encoding, "replace")


def fetch_via(proxy: str, url: str, *, method: str = "GET", headers: dict | None = None, body: bytes | None = None,
              timeout: float = 20) -> Fetched:
    parts = urlsplit(proxy)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        hdrs = {"User-Agent": UA, "Host": urlsplit(url).netloc, **(headers or {})}
        conn.request(method, url, body=body, headers=hdrs)
        resp = conn.getresponse()
        return Fetched(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def polite_get(proxy: str, url: str, *, headers: dict | None = None, tries: int = 6) -> Fetched:
    """A well-behaved client: follows redirects and honours 503/429 Retry-After."""
    for _ in range(tries):
        got = fetch_via(proxy, url, headers=headers)
        if got.status in (301, 302, 303, 307, 308):
            location = got.headers["Location"]
            if location.startswith("/"):
                p = urlsplit(url)
                location = f"{p.scheme}://{p.netloc}{location}"
            url = location
            continue
        if got.status in (429, 503):
            time.sleep(min(3.0, float(got.headers.get("Retry-After") or 0.1)))
            continue
        return got
    return got




def solve_412(page: str) -> str:
    """The Cookie header the 瑞数-style challenge script would set (its arithmetic, done here)."""
    from farm import hostile

    cd = re.search(r'\$_ts\.cd="(\w+)"', page).group(1)
    nsd = int(re.search(r"\$_ts\.nsd=(\d+)", page).group(1))
    return f"{hostile.RS_CLEARANCE}={hostile.rs_token(cd, nsd)}"


def solve_521(page: str) -> str:
    """The Cookie header the 加速乐-style script would set: its String.fromCharCode(a-b) chain, evaluated."""
    expr = re.search(r"\('__jsl_clearance_s='\)\+\((.*?)\)\+';max-age", page).group(1)
    value = "".join(chr(int(a) - int(b)) for a, b in re.findall(r"String\.fromCharCode\((\d+)-(\d+)\)", expr))
    return f"__jsl_clearance_s={value}"
