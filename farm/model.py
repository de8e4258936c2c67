"""The farm's small vocabulary: requests, responses, static resources and virtual sites.

A `Site` is one virtual host. It answers a `Request` with a `Response` from its static routes
(exact path, optionally with query), its dynamic handlers (APIs, redirects, traps) and, in front
of both, its hostile middlewares (challenges, rate limits...). Nothing here touches sockets:
`farm.server` turns bytes on the wire into `Request`s and `Response`s back into bytes.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Request:
    method: str
    scheme: str
    host: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.path}" + (f"?{self.query}" if self.query else "")

    @property
    def params(self) -> dict[str, str]:
        """Query and url-encoded form parameters, first value wins (form overrides query)."""
        out = {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}
        if self.body and "x-www-form-urlencoded" in self.headers.get("content-type", "x-www-form-urlencoded"):
            try:
                form = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                form = {}
            out.update({k: v[0] for k, v in form.items()})
        return out

    @property
    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is the client's problem, not a crash
            return {}
        return {k: m.value for k, m in jar.items()}


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # A generator of body chunks for huge files; `stream_length` is then the Content-Length.
    stream: Callable[[], Iterator[bytes]] | None = None
    stream_length: int | None = None
    delay: float = 0.0  # seconds to wait before answering (bounded by the server)
    truncate_to: int | None = None  # send only this many body bytes, announce all, then close
    compress: bool = True  # may the site gzip it
    chunked: bool = False  # sent with Transfer-Encoding: chunked (dynamic endpoints), HTTP/1.1 only

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))


def html_response(status: int, html: str, charset: str = "utf-8", content_type: str | None = None) -> Response:
    ctype = content_type or f"text/html; charset={charset}"
    return Response(status, [("Content-Type", ctype)], html.encode(charset, "xmlcharrefreplace"))


def redirect(location: str, status: int = 302) -> Response:
    body = f'<html><body>Moved: <a href="{location}">{location}</a></body></html>'.encode()
    return Response(status, [("Location", location), ("Content-Type", "text/html; charset=utf-8")], body)


class Resource:
    """A static resource: content type, bytes (possibly computed on first use), a modified time."""

    def __init__(self, content_type: str, body: bytes | Callable[[], bytes], modified: dt.datetime | None = None):
        self.content_type = content_type
        self._body = body
        self._lock = threading.Lock()
        self.modified = modified or dt.datetime(2024, 1, 1, tzinfo=CHINA_TZ)

    @property
    def body(self) -> bytes:
        if callable(self._body):
            with self._lock:
                if callable(self._body):
                    self._body = self._body()
        return self._body  # type: ignore[return-value]

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


def http_date(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(dt.UTC), usegmt=True)


Handler = Callable[[Request], "Response | None"]
Middleware = Callable[[Request, Callable[[Request], Response]], Response]


class Site:
    """One virtual host of the farm."""

    def __init__(self, host: str, *, server_header: str = "nginx", gzip_text: bool = False):
        self.host = host
        self.routes: dict[str, Resource] = {}
        self.handlers: list[tuple[str, Handler]] = []
        self.middlewares: list[Middleware] = []
        self.server_header = server_header
        self.gzip_text = gzip_text
        self.not_found: Callable[[Request], Response] = default_not_found
        self.https = False  # also reachable through CONNECT with a farm certificate

    # -- building -------------------------------------------------------------------------
    def add(self, path: str, resource: Resource) -> None:
        self.routes[path] = resource

    def add_html(self, path: str, html: str, modified: dt.datetime | None = None, charset: str = "utf-8",
                 content_type: str | None = None) -> None:
        ctype = content_type if content_type is not None else f"text/html; charset={charset}"
        self.add(path, Resource(ctype, html.encode(charset, "xmlcharrefreplace"), modified))

    def handle_prefix(self, prefix: str, handler: Handler) -> None:
        self.handlers.append((prefix, handler))

    # -- answering ------------------------------------------------------------------------
    def lookup(self, path: str, query: str = "") -> Resource | None:
        if query and f"{path}?{query}" in self.routes:
            return self.routes[f"{path}?{query}"]
        return self.routes.get(path)

    def handle(self, req: Request) -> Response:
        call = self._dispatch
        for mw in reversed(self.middlewares):
            call = _bind(mw, call)
        resp = call(req)
        if not resp.header("Server"):
            resp.headers.append(("Server", self.server_header))
        if self.gzip_text and resp.compress and resp.stream is None and resp.status == 200 and resp.body:
            ctype = resp.header("Content-Type") or ""
            if ctype.startswith(TEXT_TYPES) and "gzip" in req.headers.get("accept-encoding", ""):
                resp.body = gzip.compress(resp.body, mtime=0)
                resp.set_header("Content-Encoding", "gzip")
                resp.set_header("Vary", "Accept-Encoding")
                etag = resp.header("ETag")
                if etag and not etag.startswith("W/"):  # like nginx: a gzipped variant's validator is weak
                    resp.set_header("ETag", "W/" + etag)
        return resp

    def _dispatch(self, req: Request) -> Response:
        resource = self.lookup(req.path, req.query)
        if resource is not None:
            return serve_resource(req, resource)
        for prefix, handler in self.handlers:
            if req.path.startswith(prefix):
                resp = handler(req)
                if resp is not None:
                    return resp
        if not req.path.endswith("/") and f"{req.path}/" in self.routes:  # a directory without its slash
            return redirect(f"{req.path}/" + (f"?{req.query}" if req.query else ""), 301)
        return self.not_found(req)


def _bind(mw: Middleware, nxt: Callable[[Request], Response]) -> Callable[[Request], Response]:
    return lambda req: mw(req, nxt)


def serve_resource(req: Request, resource: Resource) -> Response:
    """200 with validators, or 304 when the client's conditional request still matches."""
    etag = resource.etag
    last_modified = http_date(resource.modified)
    inm = req.headers.get("if-none-match")
    ims = req.headers.get("if-modified-since")
    not_modified = False
    if inm is not None:
        not_modified = etag in [t.strip().removeprefix("W/") for t in inm.split(",")] or inm.strip() == "*"
    elif ims:
        try:
            since = email.utils.parsedate_to_datetime(ims)
            not_modified = since >= resource.modified.replace(microsecond=0)
        except (TypeError, ValueError):
            not_modified = False
    headers = [("ETag", etag), ("Last-Modified", last_modified)]
    if not_modified:
        return Response(304, headers)
    return Response(200, [("Content-Type", resource.content_type), *headers], resource.body)


def default_not_found(req: Request) -> Response:
    return html_response(404, "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found"
                              "</h1></center><hr><center>nginx</center></body></html>")
