"""One loopback server: many virtual portals by Host header, and an HTTP forward proxy.

Clients point ``http_proxy`` at it and ask for ``GET http://www.xxx.gov.cn/... HTTP/1.1``; plain
origin-form requests with a ``Host`` header work too. A host the farm does not simulate gets a
502 from the "proxy": the farm never connects out. ``CONNECT host:443`` opens a TLS tunnel with a
certificate from the farm's own CA for hosts that serve HTTPS.

Each response goes out in one ``sendall`` with TCP_NODELAY set: a server that writes headers and
body separately without it stalls ~40 ms per response on Nagle + delayed ACK.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from farm.model import Request, Response, html_response, http_date

if TYPE_CHECKING:
    from farm.generate import Farm

MAX_DELAY = 5.0  # seconds: slow responses are bounded so no test can hang on them
MAX_BODY = 8 * 1024 * 1024  # request bodies larger than this are refused


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, farm_server: FarmServer):
        self.farm_server = farm_server
        super().__init__(addr, handler)

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-response is normal; anything else is printed."""
        import sys
        import traceback

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, ssl.SSLError, OSError)):
            return
        traceback.print_exc()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60  # an idle keep-alive connection is dropped after this

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.tunnel_host: str | None = None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet: the farm keeps its own log
        pass

    # Every method goes through one dispatcher.
    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_GET

    def do_CONNECT(self) -> None:
        fs = self.server.farm_server
        host, _, port = self.path.partition(":")
        site = fs.farm.sites.get(host.lower())
        if site is None or not site.https or port not in ("443", ""):
            self._send(html_response(502, f"<h1>502 Bad Gateway</h1><p>farm proxy: no tunnel to {self.path}</p>"),
                       head_only=False)
            self.close_connection = True
            fs.log("CONNECT", self.path, 502, self.headers.get("User-Agent", ""))
            return
        self.wfile.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        try:
            tls = fs.tls_context().wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        fs.log("CONNECT", self.path, 200, self.headers.get("User-Agent", ""))
        self.connection = tls
        self.rfile = tls.makefile("rb", -1)
        self.wfile = _SendAll(tls)
        self.tunnel_host = host.lower()
        self.close_connection = False

    def _dispatch(self) -> None:
        fs = self.server.farm_server
        target = self.path
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            scheme, host, path, query = parts.scheme, parts.hostname or "", parts.path or "/", parts.query
        else:
            scheme = "https" if self.tunnel_host else "http"
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0] if not (self.headers.get("Host") or "").startswith("[") else ""
            path, _, query = target.partition("?")
        host = (self.tunnel_host or host).lower()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(html_response(413, "<h1>413</h1>"), False)
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        req = Request(self.command, scheme, host, path or "/", query,
                      {k.lower(): v for k, v in self.headers.items()}, body)
        site = fs.farm.sites.get(host)
        if site is None:
            if host in ("127.0.0.1", "localhost", ""):
                resp = fs.farm.index_response()
            else:
                resp = html_response(502, f"<html><body><h1>502 Bad Gateway</h1><p>farm proxy: unknown host "
                                          f"{host!r}; the farm never connects out.</p></body></html>")
                resp.headers.append(("X-Farm", "unknown-host"))
        else:
            try:
                resp = site.handle(req)
            except Exception as exc:  # a bug in one simulated page must not take the server down
                resp = html_response(500, f"<h1>500</h1><pre>{type(exc).__name__}: {exc}</pre>")
        fs.log(self.command, req.url, resp.status, req.headers.get("user-agent", ""))
        if resp.delay:
            time.sleep(min(resp.delay, MAX_DELAY))
        self._send(resp, head_only=self.command == "HEAD")

    def _send(self, resp: Response, head_only: bool) -> None:
        reason = self.responses.get(resp.status, ("",))[0] or {412: "Precondition Failed", 521: "Web Server Is Down"}.get(
            resp.status, "Status")
        length = resp.stream_length if resp.stream is not None else len(resp.body)
        names = {k.lower() for k, _ in resp.headers}
        lines = [f"HTTP/1.1 {resp.status} {reason}"]
        lines += [f"{k}: {v}" for k, v in resp.headers]
        if "date" not in names:
            lines.append(f"Date: {http_date(dt.datetime.now(dt.UTC))}")
        chunked = (resp.chunked and resp.stream is None and resp.truncate_to is None and not head_only
                   and self.request_version == "HTTP/1.1" and resp.status == 200)
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        elif resp.status not in (204, 304) or resp.body:
            lines.append(f"Content-Length: {length}")
        if resp.truncate_to is not None or self.close_connection:
            lines.append("Connection: close")
            self.close_connection = True
        elif self.headers.get("Connection", "").lower() == "keep-alive" or self.request_version == "HTTP/1.1":
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        try:
            if head_only or resp.status == 304:
                self.wfile.write(head)
            elif resp.stream is not None:
                self.wfile.write(head)
                for chunk in resp.stream():
                    self.wfile.write(chunk)
            elif resp.truncate_to is not None:
                self.wfile.write(head + resp.body[: resp.truncate_to])
                self.wfile.flush()
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            elif chunked:
                self.wfile.write(head + chunk_body(resp.body))
            else:
                self.wfile.write(head + resp.body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True


def chunk_body(body: bytes, size: int = 4096) -> bytes:
    """The body in HTTP/1.1 chunked framing (written with the head in one send)."""
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


class _SendAll:
    """A write-only file over a socket that writes each buffer with one sendall."""

    closed = False

    def __init__(self, sock: socket.socket):
        self._sock = sock

    def write(self, data: bytes) -> int:
        self._sock.sendall(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class FarmServer:
    """Serve a `Farm` on loopback in a background thread; also its forward proxy."""

    def __init__(self, farm: Farm, host: str = "127.0.0.1", port: int = 0):
        self.farm = farm
        self._httpd = _Server((host, port), _Handler, self)
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None
        self._tls: ssl.SSLContext | None = None
        self._log_lock = threading.Lock()
        self.requests: deque[tuple[float, str, str, int, str]] = deque(maxlen=100_000)

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log(self, method: str, url: str, status: int, user_agent: str) -> None:
        with self._log_lock:
            self.requests.append((time.time(), method, url, status, user_agent))

    def tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            from farm.tls import server_context

            self._tls = server_context([h for h, s in self.farm.sites.items() if s.https])
        return self._tls

    def start(self) -> FarmServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"farm-{self.port}", daemon=True)
        self._thread.start()
        return self


    def stop(self) -> None:
        if self._thread is not None:  # shutdown() would wait forever for a loop that never ran
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> FarmServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
