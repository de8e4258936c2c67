"""Downloader middleware: the honest User-Agent, with the operator's contact URL filled in.

``USER_AGENT`` may hold ``{contact}``; it is replaced by ``NIANBAO_CONTACT_URL`` so an operator
sets one value (`-s NIANBAO_CONTACT_URL=https://…`) and portal admins can reach them.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware


class HonestUserAgentMiddleware(UserAgentMiddleware):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HonestUserAgentMiddleware:
        template = crawler.settings.get("USER_AGENT") or "nianbao (+{contact})"
        contact = crawler.settings.get("NIANBAO_CONTACT_URL") or ""
        return cls(template.replace("{contact}", contact))
