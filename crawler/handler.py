"""Scrapy download handler for http/https on our byte-keeping client (crawler.rawhttp).

Thin adapter: it turns a Scrapy Request into a ``rawhttp.fetch`` call and the exchange back
into a Scrapy Response (body de-chunked but still content-encoded, so HttpCompressionMiddleware
decodes it as usual). The raw exchange rides along in ``request.meta["nianbao_exchange"]`` for
the capture middleware, which writes it to WARC before anything else touches the response.
"""

from __future__ import annotations

from ipaddress import ip_address

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from crawler import rawhttp

EXCHANGE_KEY = "nianbao_exchange"


def _headers(pairs: list[tuple[bytes, bytes]]) -> Headers:
    grouped: dict[bytes, list[bytes]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return Headers(grouped)


def _request_headers(request: Request) -> list[tuple[bytes, bytes]]:
    out = []
    for name, values in request.headers.items():
        for value in values:
            out.append((name, value))
    return out


class RawHttpDownloadHandler(BaseDownloadHandler):
    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.connect_timeout = settings.getfloat("NIANBAO_CONNECT_TIMEOUT")
        self.pool = rawhttp.ConnectionPool(settings.getint("NIANBAO_POOL_IDLE_PER_HOST"))
        self.ssl_ctx = rawhttp.insecure_ssl_context()

    async def download_request(self, request: Request) -> Response:
        timeout = float(request.meta.get("download_timeout", self.timeout))
        maxsize = int(request.meta.get("download_maxsize", self.maxsize))
        body = request.body or b""
        try:
            ex = await rawhttp.fetch(
                request.method, request.url, _request_headers(request), body,
                proxy=request.meta.get("proxy"), timeout=timeout, connect_timeout=self.connect_timeout,
                maxsize=maxsize, pool=self.pool, ssl_ctx=self.ssl_ctx,
            )
        except rawhttp.FetchError as exc:
            request.meta[EXCHANGE_KEY] = exc.exchange
            message = f"{exc} ({request.url})"
            if exc.kind == "timeout":
                raise DownloadTimeoutError(message) from exc
            if exc.kind == "maxsize":
                raise DownloadCancelledError(message) from exc
            if exc.kind == "disconnect" and exc.exchange.response_head:
                raise ResponseDataLossError(message) from exc
            if exc.kind == "connect":
                cause = exc.__cause__
                if isinstance(cause, ConnectionRefusedError):
                    raise DownloadConnectionRefusedError(message) from exc
                if cause is not None and "Name or service not known" in str(cause):
                    raise CannotResolveHostError(message) from exc
            raise DownloadFailedError(message) from exc
        request.meta[EXCHANGE_KEY] = ex
        headers = _headers(ex.headers)
        data = bytes(ex.body)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=data)
        ip = None
        if ex.ip_address:
            try:
                ip = ip_address(ex.ip_address)
            except ValueError:
                ip = None
        return cls(url=request.url, status=ex.status, headers=headers, body=data, ip_address=ip,
                   protocol=ex.version)

    async def close(self) -> None:
        self.pool.close()
