"""Where a crawl may go: the seed's registered domain and its subdomains, minus known traps.

Never a mirror host (another registered domain), never the Big5 gateway duplicates
(``/gate/big5/``, ``big5.`` hosts), never search endpoints (infinite result pages).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=())  # bundled snapshot: never downloads

ATTACHMENT_EXTS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "rtf", "zip", "rar", "7z", "txt", "csv")
IMAGE_EXTS = ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp")
SKIP_EXTS = ("css", "js", "ico", "svg", "woff", "woff2", "ttf", "eot", "mp4", "mp3", "flv", "swf", "avi", "wmv")

TRAP_RULES: list[tuple[str, re.Pattern]] = [
    ("big5-gateway", re.compile(r"/gate/big5/|^https?://big5\.", re.I)),
    ("search", re.compile(r"/jsearchfront/|/jrobot/|/was5/|/was40/|/search\.(?:do|jsp|action)|/s\?|[?&](?:searchword|q|keyword|kw)=", re.I)),
    ("print-share", re.compile(r"[?&](?:print|share)=|/print/|/share\.", re.I)),
]


@lru_cache(maxsize=4096)
def registered_domain(host: str) -> str:
    ext = _EXTRACT(host)
    if ext.domain and ext.suffix:
        return f"{ext.domain}.{ext.suffix}".lower()
    return host.lower()


def in_scope(url: str, scope_domain: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return bool(host) and (host == scope_domain or host.endswith("." + scope_domain))


def trap_kind(url: str) -> str | None:
    for kind, rx in TRAP_RULES:
        if rx.search(url):
            return kind
    return None


def extension(url: str) -> str:
    path = urlsplit(url).path.lower()
    last = path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1] if "." in last else ""


def is_attachment_url(url: str) -> bool:
    lower = url.lower()
    if extension(url) in ATTACHMENT_EXTS:
        return True
    if "downfile.jsp" in lower or "/attachment/" in lower or "/download/" in lower or "/attach/" in lower:
        return True
    # downfile.jsp?filename=<hex>.pdf: the real extension is in the query
    return bool(re.search(r"filename=[^&]+\.(?:" + "|".join(ATTACHMENT_EXTS) + r")\b", lower))


def is_image_url(url: str) -> bool:
    return extension(url) in IMAGE_EXTS


def is_skippable(url: str) -> bool:
    return extension(url) in SKIP_EXTS


_FOLD = re.compile(r"\d+")


def url_pattern(url: str) -> str:
    """Host + path with digit runs folded, query keys only: ``/rl/2024-01.html`` → ``/rl/#-#.html``."""
    parts = urlsplit(url)
    keys = "&".join(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
    return f"{parts.hostname}{_FOLD.sub('#', parts.path)}?{keys}"
