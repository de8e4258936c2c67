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
from parsers.normalize import NUMBER, classify_value, normalize_cell
from parsers.tables import BLOCK_END, ROW_END, Cell

MAX_PAGES = 200
_LINE_GAP = 3.5  # points between two lines of one wrapped cell (a row gap is wider)

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
        texts = _cell_texts(obj, page.chars)
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


_SENTENCE_END = "。"


def _words_as_rows(page, pno: int, stream: list, lines: list[str]) -> None:
    """No ruling lines: words on one baseline form a row, each word a cell.

    A label wrapped over several lines in its cell sits on lines of its own above and below the
    numbers (vertically centred). Such text-only lines, left of the numbers and packed closely
    (a line gap, not a row gap), are joined to the label of the nearest row of numbers.
    """
    words = page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False)
    rows: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - w["top"]) <= 2:
            rows[-1].append(w)
        else:
            rows.append([w])
    for row in rows:
        row.sort(key=lambda w: w["x0"])
    texts = [[normalize_cell(w["text"]) for w in row] for row in rows]
    first_number = []
    for row, ts in zip(rows, texts, strict=True):
        xs = [w["x0"] for w, t in zip(row, ts, strict=True) if classify_value(t)[0] == NUMBER]
        first_number.append(min(xs) if xs else None)
    tops = [min(w["top"] for w in row) for row in rows]
    bottoms = [max(w["bottom"] for w in row) for row in rows]
    attach: dict[int, list[int]] = {}
    attached: set[int] = set()
    for i, row in enumerate(rows):
        if first_number[i] is not None:
            continue
        best = None
        for step in (-1, 1):
            j, prev = i + step, i
            while 0 <= j < len(rows):
                gap = tops[max(j, prev)] - bottoms[min(j, prev)]
                if gap > _LINE_GAP:
                    break
                if first_number[j] is not None:
                    if max(w["x1"] for w in row) < first_number[j]:
                        dist = abs((tops[i] + bottoms[i]) - (tops[j] + bottoms[j]))
                        if best is None or dist < best[0]:
                            best = (dist, j)
                    break
                prev, j = j, j + step
        if best is not None:
            attach.setdefault(best[1], []).append(i)
            attached.add(i)
    for i, row in enumerate(rows):
        if i in attached:
            continue
        if any(_SENTENCE_END in t for t in texts[i]):
            # prose ("…结转下年度继续办理 2 件。"): one line of text, never a label with numbers
            box = (min(w["x0"] for w in row), tops[i], max(w["x1"] for w in row), bottoms[i])
            text = " ".join(texts[i])
            stream.append(Cell(text, {"page": pno, "bbox": _bbox(box)}))
            stream.append(ROW_END)
            lines.append(text)
            continue
        if first_number[i] is None or i not in attach:
            for w, t in zip(row, texts[i], strict=True):
                stream.append(Cell(t, {"page": pno, "bbox": _bbox((w["x0"], w["top"], w["x1"], w["bottom"]))},
                                   int((w["x0"] + w["x1"]) / 2)))
            stream.append(ROW_END)
            lines.append(" ".join(texts[i]))
            continue
        # a row of numbers with its wrapped label: label pieces in reading order, then the cells
        members = sorted([*attach[i], i], key=lambda k: tops[k])
        label_words = [(w, t) for k in members for w, t in zip(rows[k], texts[k], strict=True)
                       if k != i or w["x0"] < first_number[i]]
        label = _column_text(label_words)
        box = (min(w["x0"] for w, _ in label_words), min(w["top"] for w, _ in label_words),
               max(w["x1"] for w, _ in label_words), max(w["bottom"] for w, _ in label_words))
        stream.append(Cell(label, {"page": pno, "bbox": _bbox(box)}, int((box[0] + box[2]) / 2)))
        for w, t in zip(row, texts[i], strict=True):
            if w["x0"] >= first_number[i]:
                stream.append(Cell(t, {"page": pno, "bbox": _bbox((w["x0"], w["top"], w["x1"], w["bottom"]))},
                                   int((w["x0"] + w["x1"]) / 2)))
        stream.append(ROW_END)
        lines.append(label + " " + " ".join(t for w, t in zip(row, texts[i], strict=True) if w["x0"] >= first_number[i]))


def _column_text(words: list[tuple[dict, str]]) -> str:
    """Label pieces read column by column (a group label beside an item label), top to bottom."""
    columns: list[list] = []  # [x0, x1, [(top, x0, text)]]
    for w, t in sorted(words, key=lambda wt: wt[0]["x0"]):
        for col in columns:
            if w["x0"] < col[1] and w["x1"] > col[0]:
                col[0], col[1] = min(col[0], w["x0"]), max(col[1], w["x1"])
                col[2].append((w["top"], w["x0"], t))
                break
        else:
            columns.append([w["x0"], w["x1"], [(w["top"], w["x0"], t)]])
    columns.sort(key=lambda c: c[0])
    return "".join(t for col in columns for _, _, t in sorted(col[2]))


def _cell_texts(table, chars: list[dict]) -> list[list[str | None]]:
    """Each cell's text, like Table.extract() but one pass: chars are binned by the cell edges.

    Within a cell, characters on one line (tops within 3 pt) are read left to right, with a space
    where the gap is wider than 3 pt; lines are joined with a space.
    """
    import bisect

    cells = [(r, c, bbox) for r, row in enumerate(table.rows) for c, bbox in enumerate(row.cells) if bbox is not None]
    xs = sorted({b[0] for _, _, b in cells} | {b[2] for _, _, b in cells})
    ys = sorted({b[1] for _, _, b in cells} | {b[3] for _, _, b in cells})
    slot: dict[tuple[int, int], int] = {}
    for k, (_r, _c, b) in enumerate(cells):
        for xi in range(bisect.bisect_left(xs, b[0]), bisect.bisect_left(xs, b[2])):
            for yi in range(bisect.bisect_left(ys, b[1]), bisect.bisect_left(ys, b[3])):
                slot[(xi, yi)] = k
    x0, top, x1, bottom = table.bbox
    found: dict[int, list[dict]] = {}
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        if not (x0 <= cx <= x1 and top <= cy <= bottom):
            continue
        k = slot.get((bisect.bisect_right(xs, cx) - 1, bisect.bisect_right(ys, cy) - 1))
        if k is not None:
            found.setdefault(k, []).append(ch)
    out: list[list[str | None]] = [[None] * len(row.cells) for row in table.rows]
    for k, (r, c, _b) in enumerate(cells):
        group = sorted(found.get(k, ()), key=lambda ch: (ch["top"], ch["x0"]))
        lines: list[list[dict]] = []
        for ch in group:
            if lines and abs(lines[-1][0]["top"] - ch["top"]) <= 3:
                lines[-1].append(ch)
            else:
                lines.append([ch])
        parts = []
        for line in lines:
            line.sort(key=lambda ch: ch["x0"])
            text = line[0]["text"]
            for a, b in zip(line, line[1:], strict=False):
                text += (" " if b["x0"] - a["x1"] > 3 else "") + b["text"]
            parts.append(text)
        out[r][c] = " ".join(parts)
    return out
