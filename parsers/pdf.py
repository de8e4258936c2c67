"""PDF with a text layer (pdfplumber): ruled tables as grids, the text around them as lines.

Pages are read top to bottom; each ruled table becomes grid rows (a merged cell is one cell, read
once), with `BLOCK_END` at the end of every page's table so a row broken by the page break is
joined by the table layer. Pages without ruling lines fall back to words grouped into lines,
each word (a run of characters without a wide gap) a cell. A PDF without any characters is
image-only. Every cell records its page and bounding box.
"""

from __future__ import annotations

import io
import logging

from parsers.extracted import Extracted, ParseError
from parsers.normalize import normalize_cell
from parsers.tables import BLOCK_END, ROW_END, Cell

MAX_PAGES = 200

for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def _bbox(b) -> list[float]:
    return [round(float(x), 1) for x in b]


def extract(data: bytes) -> Extracted:
    try:
        import pdfplumber
        from pdfminer.pdfdocument import PDFPasswordIncorrect

        try:
            pdf = pdfplumber.open(io.BytesIO(data))
        except PDFPasswordIncorrect as exc:
            raise ParseError("encrypted PDF (password required)") from exc
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on damaged files
        if b"/Encrypt" in data:
            raise ParseError("encrypted PDF (a password is required or the encryption is unsupported)") from exc
        raise ParseError(f"not a readable PDF: {type(exc).__name__}: {exc}") from exc
    stream: list = []
    lines: list[str] = []
    any_chars = False
    try:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            raise ParseError(f"PDF has {len(pages)} pages; more than {MAX_PAGES} is not a report")
        for pno, page in enumerate(pages, start=1):
            if not page.chars:
                continue
            any_chars = True
            _page(page, pno, stream, lines)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001
        if b"/Encrypt" in data:
            raise ParseError("encrypted PDF (a password is required or the encryption is unsupported)") from exc
        raise ParseError(f"PDF could not be read: {type(exc).__name__}: {exc}") from exc
    finally:
        try:
            meta_title = str((pdf.metadata or {}).get("Title") or "")
        except Exception:  # noqa: BLE001 - optional metadata
            meta_title = ""
        try:
            pdf.close()
        except Exception:  # noqa: BLE001
            pass
    image_only = None if any_chars else "the PDF has no text layer (scanned or image-only)"
    return Extracted(
        format="pdf",
        stream=stream,
        lines=lines,
        title_candidates=lines[:40] + ([meta_title] if meta_title else []),
        image_only=image_only,
    )


def _page(page, pno: int, stream: list, lines: list[str]) -> None:
    tables = page.find_tables()
    blocks: list[tuple[float, str, object]] = []
    boxes = [t.bbox for t in tables]
    for t in tables:
        blocks.append((t.bbox[1], "table", t))
    for ln in page.extract_text_lines(return_chars=False, strip=True):
        mid = (ln["top"] + ln["bottom"]) / 2
        if any(b[1] - 1 <= mid <= b[3] + 1 and ln["x0"] < b[2] and ln["x1"] > b[0] for b in boxes):
            continue
        blocks.append((ln["top"], "line", ln))
    blocks.sort(key=lambda b: (round(b[0], 1), 0 if b[1] == "table" else 1))
    if not tables:
        _words_as_rows(page, pno, stream, lines)
        return
    for _top, kind, obj in blocks:
        if kind == "line":
            text = normalize_cell(obj["text"])
            if text:
                stream.append(Cell(text, {"page": pno, "bbox": _bbox((obj["x0"], obj["top"], obj["x1"], obj["bottom"]))}))
                stream.append(ROW_END)
                lines.append(text)
            continue
        texts = obj.extract()
        for r, (row, row_text) in enumerate(zip(obj.rows, texts, strict=False)):
            line = []
            emitted = False
            for c, (bbox, text) in enumerate(zip(row.cells, row_text, strict=False)):
                if bbox is None:
                    continue
                t = normalize_cell((text or "").replace("\n", " "))
                stream.append(Cell(t, {"page": pno, "bbox": _bbox(bbox), "row": r, "col": c}, c))
                emitted = True
                if t:
                    line.append(t)
            if emitted:
                stream.append(ROW_END)
            if line:
                lines.append("\t".join(line))
        stream.append(BLOCK_END)


def _words_as_rows(page, pno: int, stream: list, lines: list[str]) -> None:
    """No ruling lines: words on one baseline form a row, each word a cell."""
    words = page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False)
    rows: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - w["top"]) <= 2:
            rows[-1].append(w)
        else:
            rows.append([w])
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        texts = []
        for w in row:
            t = normalize_cell(w["text"])
            stream.append(Cell(t, {"page": pno, "bbox": _bbox((w["x0"], w["top"], w["x1"], w["bottom"]))},
                               int(w["x0"] // 10)))
            texts.append(t)
        stream.append(ROW_END)
        lines.append(" ".join(texts))
