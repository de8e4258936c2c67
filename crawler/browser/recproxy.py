"""A recording forward proxy on loopback: Chromium talks to it, it talks to the portal (or to
the operator's proxy) with our byte-keeping client, and hands every exchange to a callback.

Why a proxy and not Playwright's ``response.body()``: Playwright gives decoded bodies and
headers rebuilt from Chromium's network stack (no chunked framing, no ``Content-Encoding`` bytes,
no status line as sent). The archive must hold what the server sent, so the exchange is taken
where it crosses the wire: this proxy forwards each request with ``crawler.rawhttp.fetch`` (the
same client as the plain path), records the request it wrote and the response bytes it read,
and relays those very bytes to the browser.

``http://`` requests arrive in absolute form. ``https://`` arrives as ``CONNECT``: the proxy
terminates TLS itself (an ephemeral self-signed certificate; the browser context ignores
certificate errors) so it can read the requests, and fetches them from upstream over TLS, recording
what upstream sent. A request header ``X-Nianbao-Capture`` (set by the browser page) says which
page the exchange belongs to; it is removed before the request goes out.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import ssl
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from crawler import rawhttp

logger = logging.getLogger(__name__)

TOKEN_HEADER = b"x-nianbao-capture"
_HOP_BY_HOP = {b"proxy-connection", b"proxy-authorization", b"proxy-authenticate", TOKEN_HEADER}
MAX_REQUEST_BODY = 10 * 1024 * 1024

# on_exchange(token, exchange): called for every exchange that got a response head
ExchangeSink = Callable[[str | None, rawhttp.RawExchange], None]
# permit(url, token) -> None when the request may go out, else the reason it may not
Permit = Callable[[str, str | None], str | None]


def self_signed_context() -> ssl.SSLContext:
    """A server-side TLS context with a throw-away certificate (never trusted, never stored)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nianbao recording proxy")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as tmp:
        cert_path, key_path = Path(tmp) / "c.pem", Path(tmp) / "k.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        ctx.load_cert_chain(cert_path, key_path)
    return ctx


def parse_request_head(head: bytes) -> tuple[str, str, list[tuple[bytes, bytes]]]:
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    parts = lines[0].decode("latin-1").split()
    if len(parts) != 3 or not parts[2].upper().startswith("HTTP/"):
        raise ValueError(f"not an HTTP request line: {lines[0][:80]!r}")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    return parts[0].upper(), parts[1], headers


def _error_response(status: int, text: str) -> bytes:
    body = text.encode("utf-8")
    return (f"HTTP/1.1 {status} Proxy Error\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


class RecordingProxy:
    """``await start()`` → listens on 127.0.0.1:port; ``await close()`` stops it."""

    def __init__(self, on_exchange: ExchangeSink, *, upstream: Callable[[str], str | None] = lambda url: None,
                 permit: Permit = lambda url, token: None, timeout: float = 60.0, connect_timeout: float = 15.0,
                 maxsize: int = 0) -> None:
        self.on_exchange = on_exchange
        self.upstream = upstream
        self.permit = permit
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.maxsize = maxsize
        self.pool = rawhttp.ConnectionPool(8)
        self.client_ssl = rawhttp.insecure_ssl_context()
        self._server_ssl: ssl.SSLContext | None = None
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self.port = 0
        self.exchanges = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> RecordingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        self.pool.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._connection(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ssl.SSLError, TimeoutError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception:  # one odd request must not take the proxy down
            logger.exception("recording proxy: connection failed")
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await writer.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tunnel: str | None = None  # "host:port" once a CONNECT tunnel is open
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.timeout)
            except (asyncio.IncompleteReadError, TimeoutError):
                return
            method, target, headers = parse_request_head(head)
            if method == "CONNECT":
                if tunnel is not None:
                    return
                reason = self.permit(f"https://{target.split(':')[0]}/", None)
                if reason:
                    writer.write(_error_response(403, reason))
                    await writer.drain()
                    return
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await writer.drain()
                if self._server_ssl is None:
                    self._server_ssl = self_signed_context()
                await writer.start_tls(self._server_ssl)
                tunnel = target
                continue
            length = next((int(v) for k, v in headers if k.lower() == b"content-length" and v.strip().isdigit()), 0)
            if length > MAX_REQUEST_BODY:
                writer.write(_error_response(413, "request body too large"))
                await writer.drain()
                return
            body = await reader.readexactly(length) if length else b""
            if tunnel is not None:
                host, _, port = tunnel.partition(":")
                netloc = host if port in ("", "443") else tunnel
                url = f"https://{netloc}{target}"
            else:
                url = target
            if not await self._forward(method, url, headers, body, writer):
                return

    async def _forward(self, method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes,
                       writer: asyncio.StreamWriter) -> bool:
        """Fetch one request upstream, record it, relay the bytes; False when the connection must close."""
        if urlsplit(url).scheme not in ("http", "https"):
            writer.write(_error_response(400, f"unsupported target {url[:100]}"))
            await writer.drain()
            return False
        token = next((v.decode("latin-1") for k, v in headers if k.lower() == TOKEN_HEADER), None)
        out_headers = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP and k.lower() != b"host"]
        reason = "browser: request not tied to a page (browser housekeeping)" if token is None else self.permit(url, token)
        if reason:
            writer.write(_error_response(403, reason))
            await writer.drain()
            return False
        try:
            ex = await rawhttp.fetch(method, url, out_headers, body, proxy=self.upstream(url), timeout=self.timeout,
                                     connect_timeout=self.connect_timeout, maxsize=self.maxsize, pool=self.pool,
                                     ssl_ctx=self.client_ssl)
            complete = True
        except rawhttp.FetchError as exc:
            ex, complete = exc.exchange, False
            if not ex.response_head:
                writer.write(_error_response(502, f"upstream: {exc}"))
                await writer.drain()
                return False
        self.exchanges += 1
        try:
            self.on_exchange(token, ex)
        except Exception:  # recording trouble is logged; the browser still gets its answer
            logger.exception("recording proxy: could not record %s", url)
        writer.write(ex.response_block)
        await writer.drain()
        if not complete:
            return False
        framed = ex.header(b"content-length") is not None or b"chunked" in (ex.header(b"transfer-encoding") or b"").lower()
        no_body = method == "HEAD" or ex.status in (204, 304) or 100 <= ex.status < 200
        connection = (ex.header(b"connection") or b"").lower()
        return (framed or no_body) and b"close" not in connection
