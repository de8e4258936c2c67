"""A small HTTP/1.1 client on asyncio streams that keeps every byte as it crossed the wire.

Scrapy's own handlers hand over headers already normalised and (later) bodies already decoded;
an archive needs the status line, the header block and the body exactly as the server sent them,
chunked framing and Content-Encoding included. This client records the request it wrote and the
response bytes it read, and separately de-chunks the body for the spider. It speaks to origin
servers directly or through a forward proxy (absolute-URI request line for ``http://``, a
``CONNECT`` tunnel for ``https://``), reuses idle connections, and stops at a size or time limit
with what has arrived so far (for a ``WARC-Truncated`` record).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

MAX_HEAD = 256 * 1024
READ_SIZE = 65536


class FetchError(Exception):
    """A fetch that did not complete. ``kind``: connect, timeout, maxsize, disconnect, protocol.

    ``exchange`` holds what was sent and received before the failure (maybe no response bytes).
    """

    def __init__(self, kind: str, message: str, exchange: RawExchange) -> None:
        super().__init__(message)
        self.kind = kind
        self.exchange = exchange


@dataclass
class RawExchange:
    url: str
    method: str
    request_block: bytes = b""
    response_head: bytes = b""
    response_wire: bytearray = field(default_factory=bytearray)  # body bytes as received
    body: bytearray = field(default_factory=bytearray)  # de-chunked, still content-encoded
    status: int = 0
    reason: str = ""
    version: str = ""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    ip_address: str | None = None
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    truncated: str | None = None  # WARC-Truncated reason: length, time, disconnect

    @property
    def response_block(self) -> bytes:
        return self.response_head + self.response_wire  # bytes + bytearray: one copy of the body

    def header(self, name: bytes) -> bytes | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


def parse_head(head: bytes) -> tuple[str, int, str, list[tuple[bytes, bytes]]]:
    """Status line and header fields of a response head; tolerant of bare LF and folding."""
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    status_line = lines[0].decode("latin-1").strip()
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].upper().startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {status_line[:80]!r}")
    version, status, reason = parts[0], int(parts[1]), (parts[2] if len(parts) > 2 else "")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip())
            continue
        name, sep, value = line.partition(b":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return version, status, reason, headers


def _find_head_end(buf: bytes | bytearray) -> int:
    hits = [at + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (at := buf.find(sep)) >= 0]
    return min(hits) if hits else -1


def insecure_ssl_context() -> ssl.SSLContext:
    """Archives take what portals serve: no certificate checks, legacy servers allowed."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.options |= getattr(ssl, "OP_LEGACY_SERVER_CONNECT", 0x4)
    with contextlib.suppress(ssl.SSLError):
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    ip: str | None


class ConnectionPool:
    """Idle keep-alive connections by (scheme, host, port, proxy)."""

    def __init__(self, max_idle_per_key: int = 8) -> None:
        self.max_idle = max_idle_per_key
        self._idle: dict[tuple, list[_Conn]] = defaultdict(list)

    def take(self, key: tuple) -> _Conn | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if not conn.writer.is_closing() and not conn.reader.at_eof():
                return conn
            conn.writer.close()
        return None

    def give(self, key: tuple, conn: _Conn) -> None:
        idle = self._idle[key]
        if len(idle) >= self.max_idle:
            conn.writer.close()
        else:
            idle.append(conn)

    def close(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.writer.close()
        self._idle.clear()


def build_request_block(method: str, target: str, host_header: str, headers: list[tuple[bytes, bytes]],
                        body: bytes) -> bytes:
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), b"Host: " + host_header.encode("idna")]
    for name, value in headers:
        if name.lower() in (b"host", b"content-length", b"proxy-authorization"):
            continue
        lines.append(name + b": " + value)
    if body or method in ("POST", "PUT"):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class _Reader:
    """Reads from a stream, appending every byte to the exchange's wire record."""

    def __init__(self, reader: asyncio.StreamReader, exchange: RawExchange, maxsize: int, leftover: bytes):
        self.reader = reader
        self.ex = exchange
        self.maxsize = maxsize
        self.buf = bytearray(leftover)

    async def fill(self) -> bool:
        data = await self.reader.read(READ_SIZE)
        if not data:
            return False
        self.buf += data
        return True

    def take(self, n: int) -> bytes:
        chunk = bytes(self.buf[:n])
        del self.buf[:n]
        self.ex.response_wire += chunk
        return chunk

    def add_body(self, data: bytes) -> None:
        self.ex.body += data
        if self.maxsize and len(self.ex.body) > self.maxsize:
            self.ex.truncated = "length"
            raise FetchError("maxsize", f"body exceeds the maximum size ({self.maxsize} bytes)", self.ex)

    async def read_line(self) -> bytes:
        while (at := self.buf.find(b"\n")) < 0:
            if len(self.buf) > MAX_HEAD:
                raise FetchError("protocol", "chunk size line too long", self.ex)
            if not await self.fill():
                self.take(len(self.buf))
                raise FetchError("disconnect", "connection closed inside a chunk header", self.ex)
        return self.take(at + 1)

    async def read_exact(self, n: int) -> None:
        while n > 0:
            if not self.buf and not await self.fill():
                raise FetchError("disconnect", f"connection closed with {n} bytes still expected", self.ex)
            part = self.take(min(n, len(self.buf)))
            n -= len(part)
            self.add_body(part)

    async def read_chunked(self) -> None:
        while True:
            line = await self.read_line()
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError as exc:
                raise FetchError("protocol", f"bad chunk size {size_text[:20]!r}", self.ex) from exc
            if size == 0:
                while (await self.read_line()).strip():  # trailers, then the blank line
                    pass
                return
            await self.read_exact(size)
            await self.read_line()  # CRLF after the chunk data

    async def read_to_eof(self) -> None:
        while True:
            if self.buf:
                self.add_body(self.take(len(self.buf)))
            if not await self.fill():
                return


async def _open(host: str, port: int, tls: bool, proxy: tuple[str, int] | None, ssl_ctx: ssl.SSLContext,
                connect_timeout: float) -> _Conn:
    target = proxy or (host, port)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(target[0], target[1], ssl=ssl_ctx if tls and not proxy else None,
                                server_hostname=host if tls and not proxy else None),
        connect_timeout,
    )
    peer = writer.get_extra_info("peername")
    ip = None if proxy else (peer[0] if peer else None)
    if tls and proxy:
        connect = f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("idna")
        writer.write(connect)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), connect_timeout)
        _, status, reason, _ = parse_head(head)
        if status != 200:
            writer.close()
            raise ConnectionError(f"proxy refused CONNECT {host}:{port}: {status} {reason}")
        await asyncio.wait_for(writer.start_tls(ssl_ctx, server_hostname=host), connect_timeout)
    return _Conn(reader, writer, ip)


async def fetch(
    method: str,
    url: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
    *,
    proxy: str | None = None,
    timeout: float = 60.0,
    connect_timeout: float = 15.0,
    maxsize: int = 0,
    pool: ConnectionPool | None = None,
    ssl_ctx: ssl.SSLContext | None = None,
) -> RawExchange:
    """One request and its response, with every response byte recorded.

    Raises FetchError (carrying the partial exchange) on connect failure, timeout, size limit,
    premature close or an unreadable response.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    tls = scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if tls else 80)
    default_port = port == (443 if tls else 80)
    host_header = host if default_port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if default_port else f"[{host}]:{port}"
    proxy_addr = None
    if proxy:
        pp = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        proxy_addr = (pp.hostname or "127.0.0.1", pp.port or 8080)
    path = parts.path or "/"
    origin_target = path + (f"?{parts.query}" if parts.query else "")
    target = f"{scheme}://{host_header}{origin_target}" if proxy_addr and not tls else origin_target
    exchange = RawExchange(url=url, method=method)
    exchange.request_block = build_request_block(method, target, host_header, headers, body)
    key = (scheme, host, port, proxy_addr) if tls or not proxy_addr else ("http-proxy", proxy_addr)
    ssl_ctx = ssl_ctx or insecure_ssl_context()

    for attempt in (0, 1):
        conn = pool.take(key) if pool is not None and attempt == 0 else None
        reused = conn is not None
        try:
            async with asyncio.timeout(timeout):
                if conn is None:
                    try:
                        conn = await _open(host, port, tls, proxy_addr, ssl_ctx, connect_timeout)
                    except (OSError, TimeoutError, ssl.SSLError, ValueError, asyncio.IncompleteReadError) as exc:
                        raise FetchError("connect", f"cannot connect to {host}:{port}: {exc!r}", exchange) from exc
                exchange.ip_address = conn.ip
                exchange.started = datetime.now(UTC)
                conn.writer.write(exchange.request_block)
                await conn.writer.drain()
                keep = await _read_response(conn, exchange, method, maxsize)
        except TimeoutError as exc:
            if conn is not None:
                conn.writer.close()
            exchange.truncated = "time" if exchange.response_head else None
            raise FetchError("timeout", f"no complete response within {timeout:g} s", exchange) from exc
        except FetchError as exc:
            if conn is not None:
                conn.writer.close()
            if reused and not exchange.response_head and exc.kind == "disconnect":
                exchange.response_wire.clear()
                exchange.body.clear()
                continue  # a stale keep-alive connection: try once on a fresh one
            raise
        except (OSError, ssl.SSLError) as exc:
            if conn is not None:
                conn.writer.close()
            if reused and not exchange.response_head:
                continue
            if exchange.response_head:
                exchange.truncated = "disconnect"
            raise FetchError("disconnect", f"connection failed: {exc!r}", exchange) from exc
        if keep and pool is not None:
            pool.give(key, conn)
        else:
            conn.writer.close()
        return exchange
    raise FetchError("disconnect", "connection closed before a response", exchange)


async def _read_response(conn: _Conn, ex: RawExchange, method: str, maxsize: int) -> bool:
    """Read one response into ``ex``; True when the connection may be reused."""
    buf = bytearray()
    while True:
        end = _find_head_end(buf)
        if end >= 0:
            head, leftover = bytes(buf[:end]), bytes(buf[end:])
            try:
                version, status, reason, headers = parse_head(head)
            except ValueError as exc:
                ex.response_head = head
                raise FetchError("protocol", str(exc), ex) from exc
            if 100 <= status < 200 and status != 101:
                buf = bytearray(leftover)  # interim response: not part of the record
                continue
            break
        if len(buf) > MAX_HEAD:
            raise FetchError("protocol", "response head too large", ex)
        data = await conn.reader.read(READ_SIZE)
        if not data:
            if buf:
                ex.response_head = bytes(buf)
                ex.truncated = "disconnect"
            raise FetchError("disconnect", "connection closed before the end of the response head", ex)
        buf += data
    ex.response_head, ex.version, ex.status, ex.reason, ex.headers = head, version, status, reason, headers
    reader = _Reader(conn.reader, ex, maxsize, leftover)
    te = (ex.header(b"transfer-encoding") or b"").lower()
    length_text = ex.header(b"content-length")
    connection = (ex.header(b"connection") or b"").lower()
    keep = version.upper() == "HTTP/1.1" and b"close" not in connection or b"keep-alive" in connection
    try:
        if method == "HEAD" or status in (204, 304):
            return keep
        if b"chunked" in te:
            await reader.read_chunked()
        elif length_text is not None and length_text.strip().isdigit():
            expected = int(length_text.strip())
            if maxsize and expected > maxsize:
                ex.truncated = "length"
                raise FetchError("maxsize", f"Content-Length {expected} exceeds the maximum size ({maxsize})", ex)
            await reader.read_exact(expected)
        else:
            await reader.read_to_eof()
            return False
    except FetchError as exc:
        if exc.kind == "disconnect" and ex.truncated is None:
            ex.truncated = "disconnect"
        raise
    return keep and not reader.buf
