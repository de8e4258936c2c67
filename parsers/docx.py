"""DOCX: paragraphs and tables in body order; merged cells read once, labels repeated downwards.

The document is opened with python-docx (which validates the package) and its body walked as
XML: `w:gridSpan` cells count once, a `w:vMerge` continuation repeats the label above it (so each
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


def extract(data: bytes) -> Extracted:
    try:
        import docx  # python-docx

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ParseError(f"not a readable DOCX: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on damaged packages
        raise ParseError(f"not a readable DOCX: {type(exc).__name__}: {exc}") from exc
    body = document.element.body
    stream: list = []
    lines: list[str] = []
    headings: list[str] = []
    state = {"tables": 0, "cells": 0, "images": 0}

    def paragraph(p):
        text = normalize_cell(_text(p).replace("\t", " "))
        state["images"] += len(p.findall(".//" + W + "drawing")) + len(p.findall(".//" + W + "pict"))
        if not text:
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
                nested = tc.findall(W + "tbl")
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
                    state["images"] += len(tc.findall(".//" + W + "drawing"))
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

    core_title = ""
    try:
        core_title = document.core_properties.title or ""
    except Exception:  # noqa: BLE001 - optional metadata
        core_title = ""
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
