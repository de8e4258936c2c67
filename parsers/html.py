"""HTML report pages: charset, DOM tables expanded to a grid, the text around them, main text.

Tables are read from the DOM, not from rendered text: `rowspan`/`colspan` are expanded into a
grid, a span's copies to the right are dropped and its copies downwards are kept only for label
cells (so "（三）不予公开" gives its context to each of its rows, and a number is never counted
twice). A table that holds other tables is layout and is walked like a block. Text outside tables
becomes one cell per line, so reports laid out with <p> per cell are read too.
"""

from __future__ import annotations

import codecs
import re

import lxml.html
from lxml import etree

from parsers.extracted import Extracted, ParseError
from parsers.normalize import normalize_cell, normalize_document
from parsers.tables import BLOCK_END, ROW_END, Cell

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol section article header footer nav main aside blockquote pre dl dt dd "
    "center form tr td th table tbody thead tfoot caption figure figcaption address hr fieldset".split()
)
_SKIP_TAGS = frozenset("script style noscript template head select option textarea button iframe object".split())
_CJK_ALIASES = {
    "gbk": "gb18030", "gb2312": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "gb18030": "gb18030", "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "x-big5": "big5hkscs",
}
_LATIN = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "us-ascii", "ascii"}
_MAX_SPAN = 200
_MAX_CELLS = 2_000_000
MAX_TABLE_ROWS = 2000  # a report's tables have about 30 rows; a longer table is read in part
TRAFILATURA_MAX_CHARS = 1_000_000  # beyond this the walked lines are the main text (trafilatura is slow)
_DATE_META = ("pubdate", "publishdate", "firstpublishedtime", "lastmodifiedtime", "article:published_time",
              "og:release_date", "maketime", "createdate", "dc.date", "publishtime", "releasedate")


def decode_bytes(data: bytes, hint: str | None = None) -> tuple[str, str]:
    """Text and encoding: BOM, then strict UTF-8, then the declared CJK charset, then sniffing.

    A label is trusted only when the bytes decode under it: portals label GBK pages as UTF-8 or
    ISO-8859-1, or not at all.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = []
    if hint:
        declared.append(hint.lower())
    m = _META_CHARSET.search(data[:8192])
    if m:
        declared.append(m.group(1).decode("ascii", "replace").lower())
    tried = set()
    for name in [*declared, "gb18030", "big5hkscs"]:
        name = _CJK_ALIASES.get(name, name)
        if name in tried or name in _LATIN or name in ("utf-8", "utf8"):
            continue
        tried.add(name)
        try:
            codecs.lookup(name)
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", "replace"), "gb18030"


def _text_of(el) -> str:
    """A cell's text; <br>, <p> and <div> inside it become spaces."""
    if len(el) == 0:
        return el.text or ""
    if next(el.iter("br", "script", "style", "div"), None) is None:
        blocks = el.iter("p")
        if next(blocks, None) is None or next(blocks, None) is None:
            return etree.tostring(el, method="text", encoding=str, with_tail=False)
    parts: list[str] = []

    def rec(e):
        if e.text:
            parts.append(e.text)
        for ch in e:
            if isinstance(ch.tag, str):
                t = ch.tag.lower()
                if t not in _SKIP_TAGS:
                    if t in ("br", "p", "div"):
                        parts.append(" ")
                    rec(ch)
            if ch.tail:
                parts.append(ch.tail)

    rec(el)
    return "".join(parts)


class _Walker:
    def __init__(self, root):
        self.root = root
        self.tree = root.getroottree()
        self.stream: list = []
        self.lines: list[str] = []
        self.buf: list[str] = []
        self.table_index = 0
        self.images = 0
        self.headings: list[str] = []
        self.cells = 0
        self.warnings: list = []

    def flush(self):
        if not self.buf:
            return
        text = "".join(self.buf)
        self.buf = []
        for line in text.split("\n"):
            s = normalize_cell(line)
            if s:
                self.stream.append(Cell(s, {"line": len(self.lines) + 1, "path": None}))
                self.stream.append(ROW_END)
                self.lines.append(s)

    def visit(self, el):
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None or tag in _SKIP_TAGS:
            if el.tail:
                self.buf.append(el.tail)
            return
        tag = tag.lower()
        if tag == "img":
            self.images += 1
        elif tag == "br":
            self.buf.append("\n")
        elif tag == "table" and not _has_inner_table(el):
            self.flush()
            self.table(el)
        elif tag in _BLOCK_TAGS:
            self.flush()
            if el.text:
                self.buf.append(el.text)
            for child in el:
                self.visit(child)
            self.flush()
            if tag in ("h1", "h2", "h3") and len(self.headings) < 5:
                self.headings.append(normalize_cell(el.text_content()))
        else:
            if el.text:
                self.buf.append(el.text)
            for child in el:
                self.visit(child)
        if el.tail:
            self.buf.append(el.tail)

    def table(self, table):
        index = self.table_index
        self.table_index += 1
        rows = list(table.iter("tr"))
        if len(rows) > MAX_TABLE_ROWS:
            self.warnings.append({"code": "table_truncated", "table": index,
                                  "message": f"table {index} has {len(rows)} rows; only the first {MAX_TABLE_ROWS} are read"})
            rows = rows[:MAX_TABLE_ROWS]
        pending: dict[int, dict[int, tuple]] = {}  # row -> col -> (td, text, r0, c0, dr, dc)
        parent_paths: dict = {}
        tr_counts: dict = {}
        for r, tr in enumerate(rows):
            here = pending.pop(r, {})
            # XPath of each cell, built incrementally (getpath per cell is quadratic in long tables)
            parent = tr.getparent()
            key = id(parent)
            if key not in parent_paths:
                parent_paths[key] = self.tree.getpath(parent)
            tr_counts[key] = tr_counts.get(key, 0) + 1
            tr_path = f"{parent_paths[key]}/tr[{tr_counts[key]}]"
            tag_counts = {"td": 0, "th": 0}
            c = 0
            for td in tr:
                tag = td.tag
                if not isinstance(tag, str) or tag.lower() not in ("td", "th"):
                    continue
                tag = tag.lower()
                tag_counts[tag] += 1
                td_path = f"{tr_path}/{tag}[{tag_counts[tag]}]"
                while c in here:
                    c += 1
                rs_attr, cs_attr = td.get("rowspan"), td.get("colspan")
                rs = 1 if rs_attr is None else _span(rs_attr, len(rows) - r)
                cs = 1 if cs_attr is None else _span(cs_attr, _MAX_SPAN)
                self.cells += rs * cs
                if self.cells > _MAX_CELLS:
                    raise ParseError("table too large")
                text = normalize_cell(_text_of(td))
                if not text:
                    self.images += sum(1 for _ in td.iter("img"))
                for dc in range(cs):
                    here[c + dc] = (td_path, text, r, c, 0, dc)
                for dr in range(1, rs):
                    below = pending.setdefault(r + dr, {})
                    for dc in range(cs):
                        below[c + dc] = (td_path, text, r, c, dr, dc)
                c += cs
            line = []
            emitted = False
            for col in sorted(here):
                td_path, text, r0, c0, dr, dc = here[col]
                if dc:
                    continue  # a colspan copy: read once, at its first column
                cell = Cell(text, {"table": index, "row": r0, "col": c0, "path": None}, col)
                if dr and (cell.kind != "text" or not text):
                    continue  # a rowspan copy of a number or a blank: never counted twice
                cell.prov["path"] = td_path
                if dr:
                    cell.prov["spanned_from_row"] = r0
                self.stream.append(cell)
                emitted = True
                if text:
                    line.append(text)
            if emitted:
                self.stream.append(ROW_END)
            if line:
                self.lines.append("\t".join(line))
        self.stream.append(BLOCK_END)


def _has_inner_table(table) -> bool:
    it = table.iter("table")
    next(it, None)
    return next(it, None) is not None


def _span(value, limit: int) -> int:
    try:
        n = int(str(value).strip().split(".")[0]) if value is not None else 1
    except ValueError:
        n = 1
    return max(1, min(n, max(1, limit), _MAX_SPAN))


def extract(data: bytes, charset: str | None = None) -> Extracted:
    text, _encoding = decode_bytes(data, charset)
    text = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"not parseable as HTML: {exc}") from exc
    meta: dict[str, str] = {}
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or m.get("itemprop") or "").strip().lower()
        if name and m.get("content"):
            meta.setdefault(name, m.get("content"))
    page_title = ""
    for t in root.iter("title"):
        page_title = t.text_content() or ""
        break

    body = root.find("body")
    if body is None:
        body = root
    walker = _Walker(root)
    walker.visit(body)
    walker.flush()

    candidates: list[str] = []
    if meta.get("articletitle"):
        candidates.append(meta["articletitle"])
    candidates.extend(walker.headings)
    candidates.extend(ln for ln in walker.lines[:60])
    if page_title:
        candidates.append(page_title)
        candidates.extend(re.split(r"[_|]|--| - ", page_title))
    meta_dates = [meta[k] for k in _DATE_META if k in meta]

    image_only = None
    body_chars = sum(len(ln) for ln in walker.lines if len(ln) > 20)
    if walker.images and body_chars < 200:
        image_only = f"the page body is {walker.images} image(s) and {body_chars} characters of text"
    if any("图片版" in normalize_document(c) for c in candidates[:3] + [page_title]):
        image_only = image_only or "the title says 图片版 (image version)"

    return Extracted(
        format="html",
        attachments=_attachment_links(root),
        stream=walker.stream,
        lines=walker.lines,
        text=_main_text(root, len(text), walker.lines),
        title_candidates=candidates,
        meta_dates=meta_dates,
        image_only=image_only,
        warnings=walker.warnings,
    )


_ATTACHMENT_EXT = re.compile(r"\.(pdf|docx?|xlsx?|wps|et|ofd)(?:$|[?#])", re.I)
_SCRIPT_HREF = re.compile(r"""href\s*=\s*\\?["']([^"'\\]+)\\?["']""")
_ATTACHMENT_SCRIPT = re.compile(r"downfile|download|attach|fujian", re.I)


def _attachment_links(root, limit: int = 20) -> list[str]:
    """Links to documents (PDF, Word, Excel; downfile.jsp-style downloads), in page order, once each."""
    hrefs = [a.get("href") or "" for a in root.iter("a")]
    for script in root.iter("script"):  # TRS writes its 附件 links with document.write
        if script.text and "href" in script.text:
            hrefs += _SCRIPT_HREF.findall(script.text)
    out: list[str] = []
    for raw in hrefs:
        href = raw.strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        if (_ATTACHMENT_EXT.search(href) or _ATTACHMENT_SCRIPT.search(href)) and href not in out:
            out.append(href)
            if len(out) >= limit:
                break
    return out


def _main_text(root, size: int, lines: list[str]) -> str:
    """The article text via trafilatura (on the tree already parsed), else the walked lines.

    Data tables (those without tables inside: a layout table keeps its article) are pruned first:
    their cells are in the tables, and trafilatura spends most of its time on them otherwise.
    """
    if size > TRAFILATURA_MAX_CHARS:
        return "\n".join(lines)
    try:
        import trafilatura

        extracted = trafilatura.extract(
            root, include_tables=False, include_comments=False, include_images=False, fast=True, deduplicate=False,
            favor_recall=True, prune_xpath="//table[not(.//table)]",
        )
    except Exception:  # noqa: BLE001 - main text is a convenience; the tables do not depend on it
        extracted = None
    if extracted:
        return normalize_document(extracted)
    return "\n".join(lines)
