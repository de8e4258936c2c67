"""Recognise JavaScript challenges and WAF block pages (portals.md §4.3)."""

from __future__ import annotations

import re

_TS = re.compile(rb"\$_ts\s*=|\$_ts\.nsd|\$_ts\.cd")
_JSL = re.compile(rb"__jsl_clearance|__jsluid|document\.cookie\s*=.{0,200}location\.href", re.S)


def _header(headers, name: str) -> str:
    value = headers.get(name) if headers is not None else None
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value or ""


def detect_block(status: int, headers, body: bytes) -> str | None:
    """The reason a response is a challenge or block page, or None if it looks like content.

    Reasons: ``js-challenge-412`` (瑞数 $_ts), ``js-challenge-521`` (加速乐 __jsl_clearance),
    ``waf-safedog`` (安全狗), ``waf-block`` (创宇盾 and other WAF block text).
    """
    head = body[:20000]
    if _TS.search(head) and (status in (202, 412) or b'r="m"' in head or b"r='m'" in head):
        return "js-challenge-412: 瑞数 $_ts challenge script (needs a browser)"
    if status in (512, 521) or (status >= 400 and _JSL.search(head)):
        if _JSL.search(head) or status == 521:
            return f"js-challenge-{status}: 加速乐 __jsl_clearance cookie script (needs a browser)"
    server = _header(headers, "Server") + " " + _header(headers, "X-Powered-By")
    text = head.decode("utf-8", "replace") + head.decode("gb18030", "replace")  # GBK pages too
    if "服务器安全狗" in text or "安全狗防护" in text or (
            ("Safedog" in server or "Safe3" in server) and ("防护验证" in text or status >= 400)):
        return "waf-safedog: 服务器安全狗防护验证页面 (needs a browser)"
    if "当前访问疑似黑客攻击" in text:
        return "waf-block: 创宇盾 当前访问疑似黑客攻击"
    return None
