"""When does a page need a browser? Plain functions, no Scrapy.

* a seed whose notes ask for it (``browser``, ``浏览器``, ``playwright``, ``需要JS``…);
* a known JavaScript challenge (412 瑞数 ``$_ts``, 521 加速乐 ``__jsl_clearance``): a visitor's
  browser passes these by running the script; WAF block pages and CAPTCHAs are not handed over;
* a page rendered client-side: a list page that yields nothing to follow while its scripts build
  the DOM (``innerHTML``, ``document.write``, XHR/fetch, template frameworks) or show a loading
  placeholder; or a page with no links at all but scripts.
"""

from __future__ import annotations

import re

_NOTE = re.compile(r"browser|浏览器|playwright|chromium|需要\s*js|需\s*javascript|client[- ]side|动态加载", re.I)
_CHALLENGES = ("js-challenge-412", "js-challenge-521")
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.I | re.S)
_RENDERS = re.compile(
    r"\.innerHTML\s*[+]?=|document\.write\s*\(|appendChild\s*\(|insertAdjacentHTML|XMLHttpRequest|\bfetch\s*\("
    r"|\$\.(?:ajax|get|post|getJSON)\s*\(|\baxios\b|new\s+Vue\b|createApp\s*\(|ReactDOM|angular\.module", re.I)
_PLACEHOLDER = re.compile(r"加载中|正在加载|数据加载|loading\.{0,3}<", re.I)
_TEMPLATE = re.compile(r"v-for=|ng-repeat=|\{\{\s*\w+(?:\.\w+)*\s*\}\}")


def seed_wants_browser(notes: str) -> bool:
    return bool(_NOTE.search(notes or ""))


def is_browser_challenge(reason: str | None) -> bool:
    """A challenge a normal browser passes by itself (not a CAPTCHA, not a WAF verdict)."""
    return bool(reason) and reason.startswith(_CHALLENGES)


def renders_client_side(html: str) -> bool:
    """Scripts that build the page's content in the browser, or a template/placeholder waiting for them."""
    scripts = " ".join(_SCRIPT.findall(html))
    if _RENDERS.search(scripts):
        return True
    return bool(_TEMPLATE.search(html) and scripts.strip()) or bool(_PLACEHOLDER.search(html) and scripts.strip())


def needs_rendering(html: str, *, link_count: int, followed: int, is_list: bool) -> bool:
    """A page to render: nothing to follow on a list page whose content is script-built, or no
    links at all on a page that has scripts."""
    if link_count == 0 and _SCRIPT.search(html):
        return True
    return is_list and followed == 0 and renders_client_side(html)
