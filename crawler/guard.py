"""Downloader middleware: never send a request to a private, loopback or link-local address.

A portal link (or a redirect) pointing at an internal address must not turn the crawler into a
probe of the operator's network. A literal IP destination is checked as is; a host name is
resolved and every address checked, except when the request goes through a proxy the operator
configured: then the proxy resolves, and we do not second-guess it. ``--allow-private``
(NIANBAO_ALLOW_PRIVATE) lifts the rule for tests on loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured


def is_private_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return bool(ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                or ip.is_multicast or ip.is_unspecified)


def literal_ip(host: str) -> str | None:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host.strip("[]")
    except ValueError:
        return None


class PrivateAddressRefused(IgnoreRequest):
    pass


class PrivateAddressGuard:
    def __init__(self, allow_private: bool) -> None:
        if allow_private:
            raise NotConfigured("private destinations allowed")
        self._cache: dict[str, list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        return cls(crawler.settings.getbool("NIANBAO_ALLOW_PRIVATE"))

    async def process_request(self, request: Request, spider=None) -> None:
        host = urlsplit(request.url).hostname or ""
        ip = literal_ip(host)
        if ip is not None:
            if is_private_address(ip):
                raise PrivateAddressRefused(f"private-address: {host} is not a public address")
            return None
        if request.meta.get("proxy"):
            return None  # the configured proxy resolves; we do not look the name up ourselves
        addresses = self._cache.get(host)
        if addresses is None:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
            except OSError:
                self._cache[host] = []
                return None  # the download will fail and be recorded as a DNS error
            addresses = self._cache[host] = sorted({info[4][0] for info in infos})
        bad = [a for a in addresses if is_private_address(a)]
        if bad:
            raise PrivateAddressRefused(f"private-address: {host} resolves to {', '.join(bad)}")
        return None
