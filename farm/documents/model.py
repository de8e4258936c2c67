"""A format-neutral model of a report (title, paragraphs, headings, merged-cell tables).

Every renderer (HTML layouts, PDF, DOCX, XLS(X), image) draws from these blocks, so the numbers
are the same in every format. Tables are lists of rows of ``Cell``s with HTML-style
``rowspan``/``colspan``; ``positions`` turns them into grid coordinates for formats that merge
cells by range (Word, Excel, reportlab, Pillow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from farm.reports import (
    T2_2019_BLOCKS,
    T2_2021_BLOCKS,
    T3_APPLICANT_COLUMNS,
    T3_COLUMN_LABELS,
    T3_NOTE,
    T3_ROW_LABELS,
    T4_GROUP_LABELS,
    T4_GROUPS,
    T4_OUTCOME_LABELS,
    T4_OUTCOMES,
    PlantedReport,
)


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"  # "head" (column header), "label" (row label), "value"
    key: tuple | None = None  # for values: ("table3", "3.1", "natural_person") and the like


@dataclass
class Table:
    name: str  # "table2", "table3", "table4"
    rows: list[list[Cell]]
    header_rows: int = 0  # how many leading rows are column headers


@dataclass
class Block:
    kind: str  # "title", "heading", "para", "table", "signature", "anchor"
    text: str = ""
    lines: tuple[str, ...] = ()
    table: Table | None = None
    extra: dict = field(default_factory=dict)


def positions(rows: list[list[Cell]]) -> list[tuple[int, int, Cell]]:
    """(row, column, cell) of every cell, resolving rowspans the way a browser lays out a table."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return out


def split_merged(table: Table) -> Table:
    """The same table with every merged cell split: text in the first cell, the others blank."""
    nrows, ncols = grid_size(table.rows)
    grid = [[Cell("", kind="head") for _ in range(ncols)] for _ in range(nrows)]
    for r, c, cell in positions(table.rows):
        grid[r][c] = Cell(cell.text, kind=cell.kind, key=cell.key)
    return Table(table.name, grid, table.header_rows)


def grid_size(rows: list[list[Cell]]) -> tuple[int, int]:
    pos = positions(rows)
    nrows = max(r + cell.rowspan for r, _, cell in pos)
    ncols = max(c + cell.colspan for _, c, cell in pos)
    return nrows, ncols


# --- values --------------------------------------------------------------------------------------


def format_value(value, blank_mark: str = "") -> str:
    if value is None:
        return blank_mark
    if isinstance(value, float):
        if value == int(value):
            return str(int(value))
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


_FULLWIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")


def fullwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


# --- tables ----------------------------------------------------------------------------------------


def _value(report: PlantedReport, key: tuple, value, text: str | None = None, colspan: int = 1) -> Cell:
    return Cell(format_value(value, report.blank_mark) if text is None else text, colspan=colspan, kind="value", key=key)


def table2(report: PlantedReport, *, overrides: dict | None = None) -> Table:
    """Table 2 as one 4-column table of 第二十条 blocks (2021 or 2019 template)."""
    overrides = overrides or {}
    exp = report.expected
    blocks, data = (T2_2021_BLOCKS, exp["table2"]) if exp["table2"] is not None else (T2_2019_BLOCKS, exp["table2_2019"])
    rows: list[list[Cell]] = []
    for item, row_defs, fields in blocks:
        rows.append([Cell(item, colspan=4, kind="head")])
        span = 3 - len(fields)  # the last column spans the rest of the 4 columns
        header = [Cell("信息内容", kind="head")]
        for i, (_, label) in enumerate(fields):
            if label == "采购总金额":
                label = f"采购总金额（{report.procurement_unit}）"
            header.append(Cell(label, kind="head", colspan=1 + (span if i == len(fields) - 1 else 0)))
        rows.append(header)
        for code, label in row_defs:
            row = [Cell(label)]
            values = data.get(code) or {}
            for i, (fld, _) in enumerate(fields):
                key = ("table2", code, fld)
                value = values.get(fld)
                text = overrides.get(key)
                if text is None and code == "procurement" and fld == "amount" and report.procurement_unit == "元" and value:
                    text = format_value(round(value * 10000, 2))
                row.append(_value(report, key, value, text, colspan=1 + (span if i == len(fields) - 1 else 0)))
            rows.append(row)
    return Table("table2", rows)


def table3(report: PlantedReport, *, overrides: dict | None = None, header_breaks: bool = False,
           split_group_at_36: bool = False, spaced_group_labels: bool = False,
           total_in_first_row: bool = False) -> Table:  # fmt: skip
    """Table 3 with the real header: 申请人情况 / 自然人 / 法人或其他组织 (five) / 总计."""
    overrides = overrides or {}
    t3 = report.expected["table3"]
    single_36 = t3.get("3.6") is not None

    def lab(text: str) -> str:
        if header_breaks and len(text) == 4:
            return text[:2] + "\n" + text[2:]
        return text

    natural = "自然人" if not spaced_group_labels else "自 然 人"
    if total_in_first_row:  # 总计 beside 申请人情况, spanning the three header rows (county-office seed)
        rows: list[list[Cell]] = [
            [Cell(T3_NOTE, rowspan=3, colspan=3, kind="head"), Cell("申请人情况", colspan=6, kind="head"),
             Cell("总计", rowspan=3, kind="head")],
            [Cell(natural, rowspan=2, kind="head"), Cell("法人或其他组织", colspan=5, kind="head")],
            [Cell(lab(T3_COLUMN_LABELS[c]), kind="head") for c in T3_APPLICANT_COLUMNS[1:]],
        ]  # fmt: skip
    else:
        rows = [
            [Cell(T3_NOTE, rowspan=3, colspan=3, kind="head"), Cell("申请人情况", colspan=7, kind="head")],
            [Cell(natural, rowspan=2, kind="head"),
             Cell("法人或其他组织", colspan=5, kind="head"), Cell("总计", rowspan=2, kind="head")],
            [Cell(lab(T3_COLUMN_LABELS[c]), kind="head") for c in T3_APPLICANT_COLUMNS[1:]],
        ]  # fmt: skip

    def values(row: str) -> list[Cell]:
        data = t3[row] or {}
        return [_value(report, ("table3", row, col), data.get(col), overrides.get(("table3", row, col)))
                for col in (*T3_APPLICANT_COLUMNS, "total")]  # fmt: skip

    def group_label(code: str) -> str:
        text = T3_ROW_LABELS[code]
        if spaced_group_labels and len(text) == 6:  # （三）不予公开 → （三） 不予 公开
            return text[:3] + " " + text[3:5] + " " + text[5:]
        return text

    rows.append([Cell(T3_ROW_LABELS["1"], colspan=3), *values("1")])
    rows.append([Cell(T3_ROW_LABELS["2"], colspan=3), *values("2")])
    groups = [("3.1", []), ("3.2", []),
              ("3.3", [f"3.3.{i}" for i in range(1, 9)]),
              ("3.4", [f"3.4.{i}" for i in range(1, 4)]),
              ("3.5", [f"3.5.{i}" for i in range(1, 6)]),
              ("3.6", [] if single_36 else [f"3.6.{i}" for i in range(1, 4)]),
              ("3.7", [])]  # fmt: skip
    body: list[tuple[str, list[list[Cell]]]] = []
    for code, subs in groups:
        if not subs:
            body.append((code, [[Cell(group_label(code), colspan=2), *values(code)]]))
        else:
            part = [[Cell(group_label(code), rowspan=len(subs)), Cell(T3_ROW_LABELS[subs[0]]), *values(subs[0])]]
            part += [[Cell(T3_ROW_LABELS[s]), *values(s)] for s in subs[1:]]
            body.append((code, part))
    if split_group_at_36:
        first = [r for code, part in body if code < "3.6" for r in part]
        second = [r for code, part in body if code >= "3.6" for r in part]
        first[0].insert(0, Cell(T3_ROW_LABELS["3"], rowspan=len(first)))
        second[0].insert(0, Cell(T3_ROW_LABELS["3"], rowspan=len(second)))
        rows += first + second
    else:
        flat = [r for _, part in body for r in part]
        flat[0].insert(0, Cell(T3_ROW_LABELS["3"], rowspan=len(flat)))
        rows += flat
    rows.append([Cell(T3_ROW_LABELS["4"], colspan=3), *values("4")])
    return Table("table3", rows, header_rows=3)


def table4(report: PlantedReport, *, overrides: dict | None = None, header_rows: int = 3,
           header_breaks: bool = False) -> Table:  # fmt: skip
    """Table 4: 行政复议 and the two 行政诉讼 groups, five outcomes each, one row of 15 numbers."""
    overrides = overrides or {}
    t4 = report.expected["table4"]

    def lab(o: str) -> str:
        text = T4_OUTCOME_LABELS[o]
        return text[:2] + "\n" + text[2:] if header_breaks and len(text) == 4 else text

    if header_rows == -3:  # 行政复议 spanning two rows; outcomes printed under all three groups
        rows = [
            [Cell("行政复议", rowspan=2, colspan=5, kind="head"), Cell("行政诉讼", colspan=10, kind="head")],
            [Cell(T4_GROUP_LABELS["litigation_direct"], colspan=5, kind="head"),
             Cell(T4_GROUP_LABELS["litigation_after_review"], colspan=5, kind="head")],
            [Cell(lab(o), kind="head") for _ in range(3) for o in T4_OUTCOMES],
        ]  # fmt: skip
        header_rows = 3
    elif header_rows == 3:
        rows = [
            [Cell("行政复议", colspan=5, kind="head"), Cell("行政诉讼", colspan=10, kind="head")],
            [*(Cell(lab(o), rowspan=2, kind="head") for o in T4_OUTCOMES),
             Cell(T4_GROUP_LABELS["litigation_direct"], colspan=5, kind="head"),
             Cell(T4_GROUP_LABELS["litigation_after_review"], colspan=5, kind="head")],
            [Cell(lab(o), kind="head") for _ in range(2) for o in T4_OUTCOMES],
        ]  # fmt: skip
    else:
        rows = [
            [Cell("行政复议", colspan=5, kind="head"),
             Cell("行政诉讼（未经复议直接起诉）", colspan=5, kind="head"),
             Cell("行政诉讼（复议后起诉）", colspan=5, kind="head")],
            [Cell(lab(o), kind="head") for _ in range(3) for o in T4_OUTCOMES],
        ]  # fmt: skip
    values = []
    for group in T4_GROUPS:
        data = t4[group] or {}
        for o in T4_OUTCOMES:
            key = ("table4", group, o)
            values.append(_value(report, key, data.get(o), overrides.get(key)))
    rows.append(values)
    return Table("table4", rows, header_rows=header_rows)


# --- blocks of a whole report ----------------------------------------------------------------------


def report_blocks(report: PlantedReport, *, with_title: bool = True, **table_options) -> list[Block]:
    """The report in reading order. ``table_options`` go to the table builders (see SEED_STYLE)."""
    if report.seed_name:
        return seed_blocks(report, with_title=with_title)
    t3_opts = {k: v for k, v in table_options.items()
               if k in ("header_breaks", "split_group_at_36", "spaced_group_labels", "total_in_first_row")}  # fmt: skip
    t4_opts = {k: v for k, v in table_options.items() if k in ("header_breaks",)}
    if "t4_header_rows" in table_options:
        t4_opts["header_rows"] = table_options["t4_header_rows"]
    quirks = set(report.quirks)
    if "t4_header_alt" in quirks:
        t4_opts["header_rows"] = -3
    prose = spaced_year if "spaced_year" in quirks else str
    blocks: list[Block] = []
    if with_title:
        lines = report.title_lines or (report.title,)
        blocks.append(Block("title", text=prose(report.title), lines=tuple(prose(x) for x in lines)))
    if report.intro:
        blocks.append(Block("para", text=prose(report.intro)))
    t2 = table2(report)
    t3 = table3(report, **t3_opts)
    if table_options.get("repealed_label"):
        relabel(t2, "本年废止件数", table_options["repealed_label"])
    if "label_typos" in quirks:  # the typos real reports print (labels.py reads them)
        typo = "本年度止件数" if report.year % 2 else "本年废止或失效件数"
        relabel(t2, "本年废止件数", typo)
        relabel(t3, T3_ROW_LABELS["3.3.2"], "2.其他法律行政止公开")
    tables = {1: t2, 2: t3, 3: table4(report, **t4_opts)}
    for i, (heading, paragraphs) in enumerate(report.sections):
        blocks.append(Block("heading", text=heading))
        blocks.extend(Block("para", text=prose(p)) for p in paragraphs)
        if i in tables:
            blocks.append(Block("table", table=tables[i]))
    if report.signature:
        blocks.append(Block("signature", lines=report.signature))
    return blocks


# --- the five shared seeds ---------------------------------------------------------------------------

_PINYIN = re.compile(r"\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+)\)")
_HEADINGS = (
    ("h2", re.compile(r"^(二、)?主动公开政府信息情况$")),
    ("h3", re.compile(r"^(三、)?收到和处理政府信息公开申请(情况)?$")),
    ("h4", re.compile(r"^(四、)?(因)?政府信息公开(工作被申请)?行政复议.*情况$")),
    ("h5", re.compile(r"^(五、)?存在的主要问题及改进情况$")),
)

# Cells that the seeds print differently from a plain number (read from the seed texts).
SEED_CELL_TEXT = {
    "yangquan-city-2023": {
        ("table2", "punishment", "decisions"): "3022\u3000",
        ("table2", "coercion", "decisions"): "162\u3000",
        ("table3", "4", "natural_person"): " 0",
        ("table3", "4", "research_institution"): " 0",
        ("table3", "4", "social_welfare_org"): " 0",
        ("table3", "4", "legal_service_org"): " 0",
        ("table3", "4", "other_org"): " 0",
        ("table4", "review", "pending"): " 0",
        ("table4", "review", "total"): "15 ",
        ("table4", "litigation_direct", "other"): " 8",
        ("table4", "litigation_after_review", "pending"): "0 ",
    },
    "xiangxiang-petitions-bureau-2023": {("table2", "fees", "amount"): " "},
}
# How each seed draws its tables (matching its text rendering).
SEED_STYLE = {
    "county-office-2023-tabbed": {"header_breaks": False, "total_in_first_row": True},
    "liuyang-city-2023-traditional-pinyin": {"header_breaks": True, "split_group_at_36": True, "spaced_group_labels": True,
                                             "half_parens": True, "repealed_label": "本年废止或失效件数"},
    "xiangxiang-petitions-bureau-2023": {"header_breaks": False},
    "yangquan-city-2023": {"header_breaks": True},
    "yiyang-city-office-2023": {"header_breaks": True},
}


_CJK_DIGITS = re.compile(r"(?<=[\u4e00-\u9fff])(?=\d)|(?<=\d)(?=[\u4e00-\u9fff])")


def spaced_year(text: str) -> str:
    """Word's CJK/Latin spacing typed into the text: 2023年 → 2023 年."""
    return _CJK_DIGITS.sub(" ", text)


def relabel(table: Table, old: str, new: str) -> Table:
    for row in table.rows:
        for cell in row:
            if cell.kind != "value" and cell.text == old:
                cell.text = new
    return table


def half_parens(table: Table) -> Table:
    """Half-width brackets and colons in the labels, as some Word templates print them."""
    trans = str.maketrans({"（": "(", "）": ")", "：": ":"})
    for row in table.rows:
        for cell in row:
            if cell.kind != "value":
                cell.text = cell.text.translate(trans)
    return table


def simplified(text: str) -> str:
    """Pinyin annotations removed and traditional characters made simplified."""
    from farm.documents.chinese import to_simplified

    return to_simplified(_PINYIN.sub("", text))


def seed_blocks(report: PlantedReport, *, with_title: bool = True, traditional: bool = False) -> list[Block]:
    """A seed's own text, its tables rebuilt from its values in the seed's style.

    The liuyang seed is a mirror copy in traditional characters with pinyin; its blocks are made
    simplified (the official page) unless ``traditional``.
    """
    text = report.seed_text or ""
    keep_original = traditional or not _PINYIN.search(text)
    lines = [ln.rstrip() for ln in text.splitlines()]
    norm = [simplified(ln).strip().replace(" ", "") for ln in lines]
    marks: dict[str, int] = {}
    for i, line in enumerate(norm):
        for name, pattern in _HEADINGS:
            if name not in marks and pattern.match(line.lstrip("\u3000")):
                marks[name] = i
    missing = [n for n, _ in _HEADINGS if n not in marks]
    if missing:
        raise ValueError(f"seed {report.seed_name}: headings not found: {missing}")
    title_count = len(report.title_lines) or 1
    body_start = 0
    seen = 0
    for i, line in enumerate(lines):  # skip the title lines
        if line.strip():
            seen += 1
            if seen == title_count:
                body_start = i + 1
                break

    def out(line: str) -> str:
        line = line.strip()
        return line if keep_original else simplified(line)

    def paras(start: int, end: int) -> list[Block]:
        blocks = []
        for raw in lines[start:end]:
            line = raw.strip()
            if not line:
                continue
            if line.startswith("[bookmark: _GoBack]"):  # a Word bookmark that the text export printed
                blocks.append(Block("anchor", text="_GoBack"))
                line = line[len("[bookmark: _GoBack]"):]
            blocks.append(Block("para", text=out(line), extra={"indent": raw.startswith("\u3000")}))
        return blocks

    style = SEED_STYLE.get(report.seed_name or "", {})
    overrides = SEED_CELL_TEXT.get(report.seed_name or "", {})
    blocks: list[Block] = []
    if with_title:
        if keep_original:
            title_lines = tuple(ln.strip() for ln in lines[:body_start] if ln.strip())
        else:
            title_lines = report.title_lines or (report.title,)
        blocks.append(Block("title", text="".join(title_lines), lines=title_lines))
    blocks += paras(body_start, marks["h2"])
    blocks.append(Block("heading", text=out(lines[marks["h2"]])))
    t2 = table2(report, overrides=overrides)
    if style.get("repealed_label"):
        relabel(t2, "本年废止件数", style["repealed_label"])
    tables = [t2]
    tables.append(table3(
        report, overrides=overrides, header_breaks=style.get("header_breaks", False),
        split_group_at_36=style.get("split_group_at_36", False),
        spaced_group_labels=style.get("spaced_group_labels", False),
        total_in_first_row=style.get("total_in_first_row", False)))  # fmt: skip
    tables.append(table4(report, overrides=overrides, header_breaks=style.get("header_breaks", False)))
    if style.get("half_parens"):
        tables = [half_parens(t) for t in tables]
    blocks.append(Block("table", table=tables[0]))
    blocks.append(Block("heading", text=out(lines[marks["h3"]])))
    blocks.append(Block("table", table=tables[1]))
    blocks.append(Block("heading", text=out(lines[marks["h4"]])))
    blocks.append(Block("table", table=tables[2]))
    blocks.append(Block("heading", text=out(lines[marks["h5"]])))
    tail = paras(marks["h5"] + 1, len(lines))
    # the mirror's page chrome after the report (解读 link, QR prompt) is not part of the report
    while tail and not keep_original and not re.search(r"\d+年\d+月\d+日$|事项$|。$|）$", tail[-1].text):
        tail.pop()
    blocks += tail
    for block in blocks:
        if block.kind == "para" and _SEED_HEADING.fullmatch(simplified(block.text).replace(" ", "")):
            block.kind = "heading"
    return blocks


_SEED_HEADING = re.compile(r"[一五六]、\S{2,14}|存在的主要问题及改进情况|其他需要报告的事项")
