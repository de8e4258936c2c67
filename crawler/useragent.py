"""Downloader middleware: the honest User-Agent, with the operator's contact URL filled in.

``USER_AGENT`` may hold ``{contact}``; it is replaced by ``NIANBAO_CONTACT_URL`` so an operator
sets one value (`-s NIANBAO_CONTACT_URL=https://…`) and portal admins can reach them.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.settings import BaseSettings


def honest_user_agent(settings: BaseSettings) -> str:
    """``USER_AGENT`` with the contact URL filled in: what every request of ours says it is
    (plain requests, the browser's, and the warcinfo record that describes the crawl)."""
    template = settings.get("USER_AGENT") or "nianbao (+{contact})"
    return template.replace("{contact}", settings.get("NIANBAO_CONTACT_URL") or "")


class HonestUserAgentMiddleware(UserAgentMiddleware):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HonestUserAgentMiddleware:
        return cls(honest_user_agent(crawler.settings))
