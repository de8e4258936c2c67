"""Every document format renders, reads back with the tools a parser would use, and is cached."""

from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
import time

import docx
import openpyxl
import pdfplumber
import pytest
import xlrd
from PIL import Image

from farm.documents import (
    FORMATS,
    cache,
    pdf_variant,
    render_document,
    render_documents,
    render_image_pages,
    render_mirror_text_html,
)
from farm.documents import _render as render_uncached
from farm.reports import T3_COLUMNS, T3_ROW_LABELS, T4_GROUPS, T4_OUTCOMES, generate_report, seed_reports

_LABEL_TO_CODE = {re.sub(r"\s+", "", v): k for k, v in T3_ROW_LABELS.items() if k not in ("3", "3.3", "3.4", "3.5")}
_LABEL_TO_CODE["2.其他法律行政止公开"] = "3.3.2"  # the typo of the ``label_typos`` quirk


def _label_code(cell: str) -> str | None:
    """The row a label cell names; the first part of a label broken by a page break counts too."""
    if cell in _LABEL_TO_CODE:
        return _LABEL_TO_CODE[cell]
    if len(cell) >= 8:
        hits = {code for label, code in _LABEL_TO_CODE.items() if label.startswith(cell)}
        if len(hits) == 1:
            return hits.pop()
    return None


def _reports():
    rng = random.Random(2024)
    return [
        generate_report(rng, "某某市人民政府", 2023, level="government"),
        generate_report(rng, "某某县财政局", 2020, level="department"),
        generate_report(rng, "某某市人民政府办公室", 2022, level="office", single_36=True, inconsistent=True),
        next(s for s in seed_reports() if s.seed_name == "yangquan-city-2023"),
    ]


@pytest.fixture(scope="module")
def rendered():
    reports = _reports()
    fmts = ["pdf", "docx", "doc", "xlsx", "xls", "image", "jpeg", "pdf_image"]
    items = [(r, f) for r in reports for f in fmts]
    blobs = render_documents(items)
    return {(id(r), f): b for (r, f), b in zip(items, blobs, strict=True)}, reports


def _num(text, blank_mark):
    if text is None:
        return None
    text = str(text).strip().replace("\u3000", "")
    if text in ("", blank_mark):
        return None
    if isinstance(text, str) and re.fullmatch(r"-?\d+\.0", text):
        text = text[:-2]
    return float(text) if "." in text else int(text)


def _table3_from_rows(rows, blank_mark) -> dict:
    """{code: {column: value}} from rows of cells (the last 7 are the values; the label is the
    right-most cell that names a row)."""
    out = {}
    for row in rows:
        cells = ["" if c is None else re.sub(r"\s+", "", str(c)) for c in row]
        if len(cells) < 8:
            continue
        labels = [i for i, c in enumerate(cells[:-7]) if _label_code(c)]
        if not labels:
            continue
        code = _label_code(cells[labels[-1]])
        if code in ("1", "2", "4") and any(h in "".join(cells) for h in ("自然人", "申请人情况")):
            continue
        out[code] = dict(zip(T3_COLUMNS, (_num(v, blank_mark) for v in row[-7:]), strict=True))
    return out


def _assert_table3(found: dict, report, fmt):
    for code, values in report.expected["table3"].items():
        if values is None:
            assert code not in found, (fmt, code)
        else:
            assert found.get(code) == values, (fmt, report.title, code, found.get(code), values)


def _t4_numbers(report):
    return [report.expected["table4"][g][o] for g in T4_GROUPS for o in T4_OUTCOMES]


def test_pdf_has_a_text_layer_with_the_tables(rendered):
    blobs, reports = rendered
    for report in reports:
        data = blobs[(id(report), "pdf")]
        assert data.startswith(b"%PDF")
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            text = "".join(page.extract_text() or "" for page in pdf.pages)
            rows = [row for page in pdf.pages for table in page.extract_tables() for row in table]
            ruled = any(page.lines or page.rects for page in pdf.pages)
            assert len(pdf.pages) >= 2
        assert "收到和处理政府信息公开申请情况" in text.replace(" ", "")
        assert ruled == pdf_variant(report)["ruled"]
        if not ruled:  # no lines: only the parser (text positions) reads these; the gate checks its cells
            assert str(report.expected["table3"]["1"]["total"]) in text
            continue
        _assert_table3(_table3_from_rows(rows, report.blank_mark), report, "pdf")
        t4_rows = [r for r in rows if len(r) == 15 and all(c is not None for c in r)]
        assert [_num(v, report.blank_mark) for v in t4_rows[-1]] == _t4_numbers(report)
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-", "-"], input=blobs[(id(reports[0]), "pdf")], capture_output=True, check=True)
        assert "本年新收政府信息公开申请数量" in out.stdout.decode("utf-8")


def test_docx_tables_have_merged_cells_and_the_values(rendered):
    blobs, reports = rendered
    for report in reports:
        document = docx.Document(io.BytesIO(blobs[(id(report), "docx")]))
        assert len(document.tables) == 3
        t3 = document.tables[1]
        rows = [[cell.text for cell in row.cells] for row in t3.rows]
        _assert_table3(_table3_from_rows(rows, report.blank_mark), report, "docx")
        assert t3.cell(0, 0)._tc is t3.cell(2, 2)._tc  # the header corner spans 3 × 3
        t4 = document.tables[2]
        assert [_num(c.text, report.blank_mark) for c in t4.rows[-1].cells] == _t4_numbers(report)
        first_line = report.title_lines[0] if report.title_lines else report.title
        assert first_line in document.paragraphs[0].text.replace("\n", "")


def _sheet_rows(values_by_row, ncols=10):
    return [row[:ncols] for row in values_by_row]


def test_xlsx_and_xls_hold_the_cells_with_merges(rendered):
    blobs, reports = rendered
    for report in reports:
        wb = openpyxl.load_workbook(io.BytesIO(blobs[(id(report), "xlsx")]))
        ws = wb.active
        rows = _sheet_rows([[c for c in row] for row in ws.iter_rows(values_only=True)])
        _assert_table3(_table3_from_rows(rows, report.blank_mark), report, "xlsx")
        note = next(c for row in ws.iter_rows() for c in row if str(c.value or "").startswith("（本列数据"))
        corner = next(r for r in ws.merged_cells.ranges if r.min_row == note.row and r.min_col == note.column)
        assert (corner.max_row - corner.min_row, corner.max_col - corner.min_col) == (2, 2)  # 3 × 3

        book = xlrd.open_workbook(file_contents=blobs[(id(report), "xls")], formatting_info=True)
        sheet = book.sheet_by_index(0)
        rows = _sheet_rows([sheet.row_values(i) for i in range(sheet.nrows)])
        _assert_table3(_table3_from_rows(rows, report.blank_mark), report, "xls")
        note_row = next(i for i in range(sheet.nrows) if str(sheet.cell_value(i, 0)).startswith("（本列数据"))
        assert (note_row, note_row + 3, 0, 3) in sheet.merged_cells  # the 3 × 3 header corner


@pytest.mark.skipif(not shutil.which("antiword"), reason="antiword is installed by `make setup`")
def test_doc_reads_back_with_antiword(rendered):
    blobs, reports = rendered
    for report in reports:
        data = blobs[(id(report), "doc")]
        assert data.startswith(b"\xd0\xcf\x11\xe0")  # OLE2 compound file (Word 97)
        out = subprocess.run(["antiword", "-w", "0", "-"], input=data, capture_output=True, check=True).stdout.decode("utf-8")
        tokens = [re.sub(r"\s+", "", t) for t in out.split("|")]
        found = {}
        for i, token in enumerate(tokens):
            code = _LABEL_TO_CODE.get(token)
            if code and i + 7 < len(tokens) and re.fullmatch(r"-?[\d.]*|" + re.escape(report.blank_mark or "|"), tokens[i + 1]):
                found[code] = dict(zip(T3_COLUMNS, (_num(v, report.blank_mark) for v in tokens[i + 1:i + 8]), strict=True))
        _assert_table3(found, report, "doc")


def test_images_and_scans_have_no_text_layer(rendered):
    blobs, reports = rendered
    for report in reports:
        png = Image.open(io.BytesIO(blobs[(id(report), "image")]))
        assert png.format == "PNG" and png.width == 1240 and png.height % 1754 == 0 and png.height >= 2 * 1754
        assert png.convert("L").getextrema()[0] < 50  # there is ink on the page
        jpeg = Image.open(io.BytesIO(blobs[(id(report), "jpeg")]))
        assert jpeg.format == "JPEG"
        scan = blobs[(id(report), "pdf_image")]
        with pdfplumber.open(io.BytesIO(scan)) as pdf:
            assert len(pdf.pages) >= 2
            assert all(page.images for page in pdf.pages)
            assert "".join((page.extract_text() or "") for page in pdf.pages).strip() == ""
    pages = render_image_pages(reports[0])
    assert len(pages) >= 2 and all(p.startswith(b"\x89PNG") for p in pages)


def test_rendering_is_deterministic():
    report = _reports()[0]
    for fmt in ("pdf", "docx", "xlsx", "xls"):
        assert render_uncached(report, fmt) == render_uncached(report, fmt), fmt
    other = _reports()[0]  # generated again from the same seed
    assert other.canonical_json() == report.canonical_json()


def test_documents_are_cached_and_regenerated_when_missing(rendered):
    _, reports = rendered
    report = reports[0]
    start = time.perf_counter()
    for fmt in FORMATS:
        render_document(report, fmt)
    assert time.perf_counter() - start < 1.0  # all formats of one report, from the cache
    path = cache.cache_path(report, "xlsx", "xlsx")
    before = path.read_bytes()
    path.unlink()
    assert render_document(report, "xlsx") == before and path.exists()
    with pytest.raises(ValueError):
        render_document(report, "ofd")


def test_mirror_copy_is_traditional_with_pinyin():
    liuyang = next(s for s in seed_reports() if s.seed_name == "liuyang-city-2023-traditional-pinyin")
    body = render_mirror_text_html(liuyang)
    assert "瀏陽(yáng)市人民政府" in body and "<td" in body and "497244" in body
    generated = render_mirror_text_html(generate_report(random.Random(9), "浏阳市人民政府", 2022, level="government"))
    assert "瀏陽(yáng)市" in generated and "報(bào)告" in generated
    assert "报告" not in generated and "浏阳" not in generated
    assert "關(guān)于" not in generated or "于" in generated  # the seed's 于, not opencc's 於


def test_pdf_text_layer_can_show_word_spacing_around_digits():
    from farm.documents.model import report_blocks
    from farm.documents.pdf import render_pdf

    report = _reports()[0]
    data = render_pdf(report_blocks(report), spaced_numbers=True)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = pdf.pages[0].extract_text()
        rows = [row for page in pdf.pages for table in page.extract_tables() for row in table]
    assert f"{report.year} 年" in text
    _assert_table3(_table3_from_rows(rows, report.blank_mark), report, "pdf spaced")  # tables untouched


def test_pdf_row_broken_by_a_page_break_and_unruled_tables():
    """A Table 3 row split over two pages (label on both, numbers on the first); tables without lines."""
    from farm.documents.model import report_blocks
    from farm.documents.pdf import render_pdf

    report = _reports()[0]
    label = T3_ROW_LABELS["3.2"]
    data = render_pdf(report_blocks(report), row_split=True)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [re.sub(r"\s+", "", p.extract_text()) for p in pdf.pages]
    holding = [i for i, text in enumerate(pages) if label[:8] in text]
    assert len(holding) == 1 and label[8:] not in pages[holding[0]]
    assert label[-8:] in pages[holding[0] + 1] and "申请人情况" in pages[holding[0] + 1]  # header repeated
    unruled = render_pdf(report_blocks(report), ruled=False)
    with pdfplumber.open(io.BytesIO(unruled)) as pdf:
        assert not any(p.lines or p.rects for p in pdf.pages)
        assert str(report.expected["table3"]["1"]["total"]) in pdf.pages[1].extract_text() + pdf.pages[0].extract_text()


def test_quirks_print_typos_spacing_and_the_other_table4_header():
    import dataclasses

    from farm.documents.model import report_blocks

    report = dataclasses.replace(_reports()[0], quirks=("label_typos", "spaced_year", "t4_header_alt"))
    blocks = report_blocks(report)
    texts = [c.text for b in blocks if b.table for row in b.table.rows for c in row]
    assert "2.其他法律行政止公开" in texts and T3_ROW_LABELS["3.3.2"] not in texts
    assert "本年废止件数" not in texts and ("本年度止件数" in texts or "本年废止或失效件数" in texts)
    assert blocks[0].text.startswith(f"{report.agency} {report.year} 年")
    t4 = next(b.table for b in blocks if b.table and b.table.name == "table4")
    assert t4.rows[0][0].text == "行政复议" and t4.rows[0][0].rowspan == 2 and len(t4.rows[2]) == 15
    assert render_uncached(report, "docx") != render_uncached(_reports()[0], "docx")
