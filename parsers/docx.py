"""DOCX: paragraphs and tables in body order; merged cells read once, labels repeated downwards.

The main part is parsed with python-docx's XML layer and its body walked as XML: `w:gridSpan` cells count once, a `w:vMerge` continuation repeats the label above it (so each
row keeps its group), never a number.
"""

from __future__ import annotations

import io
import zipfile

from parsers.extracted import Extracted, ParseError
from parsers.normalize import normalize_cell
from parsers.tables import BLOCK_END, ROW_END, Cell

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAX_CELLS = 2_000_000


def _text(el) -> str:
    """Text of a paragraph or cell: runs joined, paragraphs and breaks as spaces."""
    parts: list[str] = []
    for node in el.iter(W + "t", W + "tab", W + "br", W + "p", W + "cr"):
        if node.tag == W + "t":
            parts.append(node.text or "")
        elif node.tag == W + "tab":
            parts.append("\t")
        else:
            parts.append(" " if node.tag != W + "p" or parts else "")
    return "".join(parts)


_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def _main_part(data: bytes):
    """The main document part, parsed with python-docx's own XML parser.

    Only word/document.xml is read: opening the whole package with docx.Document() parses styles,
    numbering, theme and settings too, and costs three times as much as the tables.
    """
    from docx.oxml.parser import parse_xml

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        name = "word/document.xml"
        if "_rels/.rels" in z.namelist():
            rels = parse_xml(z.read("_rels/.rels"))
            for rel in rels.iter(_REL + "Relationship"):
                if rel.get("Type") == _OFFICE_DOCUMENT:
                    name = rel.get("Target", name).lstrip("/")
        info = z.getinfo(name)
        if info.file_size > 200 * 1024 * 1024:
            raise ParseError("DOCX main part too large")
        root = parse_xml(z.read(name))
        title = ""
        if "docProps/core.xml" in z.namelist():
            core = parse_xml(z.read("docProps/core.xml"))
            for el in core.iter("{http://purl.org/dc/elements/1.1/}title"):
                title = el.text or ""
    body = root.find(W + "body")
    if body is None:
        raise ParseError("DOCX without a document body")
    return body, title


def extract(data: bytes) -> Extracted:
    try:
        body, core_title = _main_part(data)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - damaged packages raise many kinds
        raise ParseError(f"not a readable DOCX: {type(exc).__name__}: {exc}") from exc
    stream: list = []
    lines: list[str] = []
    headings: list[str] = []
    state = {"tables": 0, "cells": 0, "images": 0}

    def paragraph(p):
        text = normalize_cell(_text(p).replace("\t", " "))
        if not text:
            state["images"] += sum(1 for _ in p.iter(W + "drawing", W + "pict"))
            return
        style = p.find(W + "pPr/" + W + "pStyle")
        if style is not None and (style.get(W + "val") or "").lower().startswith(("heading", "title")):
            headings.append(text)
        lines.append(text)
        stream.append(Cell(text, {"paragraph": len(lines)}))
        stream.append(ROW_END)

    def table(tbl):
        index = state["tables"]
        state["tables"] += 1
        above: dict[int, tuple[str, int]] = {}  # grid column -> (label text, row) of the cell above
        for r, tr in enumerate(tbl.iterchildren(W + "tr")):
            col = 0
            row_has = False
            line = []
            for tc in tr.iterchildren(W + "tc"):
                props = tc.find(W + "tcPr")
                span = 1
                vmerge = None
                if props is not None:
                    gs = props.find(W + "gridSpan")
                    if gs is not None:
                        try:
                            span = max(1, min(int(gs.get(W + "val", "1")), 200))
                        except ValueError:
                            span = 1
                    vm = props.find(W + "vMerge")
                    if vm is not None:
                        vmerge = vm.get(W + "val", "continue")
                state["cells"] += span
                if state["cells"] > _MAX_CELLS:
                    raise ParseError("table too large")
                nested = [t for t in tc if t.tag == W + "tbl"]
                if vmerge == "continue":
                    text, r0 = above.get(col, ("", r))
                    cell = Cell(text, {"table": index, "row": r0, "col": col, "merged_into_row": r}, col)
                    if text and cell.kind == "text":
                        stream.append(cell)
                        row_has = True
                else:
                    text = normalize_cell(_text(tc))
                    cell = Cell(text, {"table": index, "row": r, "col": col}, col)
                    stream.append(cell)
                    row_has = True
                    if text:
                        line.append(text)
                    for c in range(col, col + span):
                        above[c] = (text, r)
                    if not text:
                        state["images"] += sum(1 for _ in tc.iter(W + "drawing"))
                col += span
                for inner in nested:
                    stream.append(ROW_END)
                    table(inner)
            if row_has:
                stream.append(ROW_END)
            if line:
                lines.append("\t".join(line))
        stream.append(BLOCK_END)

    for child in body.iterchildren():
        if child.tag == W + "p":
            paragraph(child)
        elif child.tag == W + "tbl":
            table(child)
        elif child.tag == W + "sdt":
            for p in child.iter(W + "p"):
                paragraph(p)

    image_only = None
    if not state["tables"] and state["images"] and sum(len(x) for x in lines) < 200:
        image_only = f"the document is {state['images']} image(s) and little text"
    return Extracted(
        format="docx",
        stream=stream,
        lines=lines,
        title_candidates=headings + lines[:40] + ([core_title] if core_title else []),
        image_only=image_only,
    )
