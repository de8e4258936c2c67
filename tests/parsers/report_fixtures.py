"""Render a report's canonical values into real documents: HTML, DOCX, XLSX, XLS, PDF, DOC.

The layouts follow real report pages: Table 3 with its 3-column label block (rowspan for
"三、本年度办理结果" and the groups, colspan for the first rows), Table 4 as three header rows
over one row of fifteen numbers, Table 2 as one 4-column table with colspans. Every renderer
reads the same logical grid, so a cell that comes out wrong points at the parser, not the fixture.
"""

from __future__ import annotations

import hashlib
import html as htmlmod
import io
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "parsers-fixtures"
SEEDS = REPO / "farm" / "data"  # the five hand-checked seed reports (the farm plants them too)

T3_LABELS = [
    ("1", "一、本年新收政府信息公开申请数量"),
    ("2", "二、上年结转政府信息公开申请数量"),
    ("3.1", "（一）予以公开"),
    ("3.2", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("3.3.1", "1.属于国家秘密"), ("3.3.2", "2.其他法律行政法规禁止公开"), ("3.3.3", "3.危及“三安全一稳定”"),
    ("3.3.4", "4.保护第三方合法权益"), ("3.3.5", "5.属于三类内部事务信息"), ("3.3.6", "6.属于四类过程性信息"),
    ("3.3.7", "7.属于行政执法案卷"), ("3.3.8", "8.属于行政查询事项"),
    ("3.4.1", "1.本机关不掌握相关政府信息"), ("3.4.2", "2.没有现成信息需要另行制作"), ("3.4.3", "3.补正后申请内容仍不明确"),
    ("3.5.1", "1.信访举报投诉类申请"), ("3.5.2", "2.重复申请"), ("3.5.3", "3.要求提供公开出版物"),
    ("3.5.4", "4.无正当理由大量反复申请"), ("3.5.5", "5.要求行政机关确认或重新出具已获取信息"),
    ("3.6.1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("3.6.2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("3.6.3", "3.其他"),
    ("3.7", "（七）总计"),
    ("4", "四、结转下年度继续办理"),
]
T3_COLS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
           "legal_service_org", "other_org", "total"]
GROUPS = {"3.3": "（三）不予公开", "3.4": "（四）无法提供", "3.5": "（五）不予处理", "3.6": "（六）其他处理"}
T4_GROUPS = ["review", "litigation_direct", "litigation_after_review"]
T4_OUT = ["upheld", "corrected", "other", "pending", "total"]


@dataclass
class C:
    """A logical cell: text and spans."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


def fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def table2_grid(report: dict) -> list[list[C]]:
    if report.get("table2_2019") is not None:
        t = report["table2_2019"]
        rows = [[C("第二十条第（一）项", colspan=4, header=True)],
                [C("信息内容", header=True), C("本年新制作数量", header=True), C("本年新公开数量", header=True),
                 C("对外公开总数量", header=True)]]
        for code, label in (("regulations", "规章"), ("normative_documents", "规范性文件")):
            r = t[code] or {}
            rows.append([C(label)] + [C(fmt(r.get(k))) for k in ("new_made", "new_published", "total_published")])
        rows.append([C("第二十条第（五）项", colspan=4, header=True)])
        rows.append([C("信息内容", header=True), C("上一年项目数量", header=True), C("本年增/减", header=True),
                     C("处理决定数量", header=True)])
        for code, label in (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")):
            r = t[code] or {}
            rows.append([C(label)] + [C(fmt(r.get(k))) for k in ("prev_items", "change", "decisions")])
        rows.append([C("第二十条第（六）项", colspan=4, header=True)])
        rows.append([C("信息内容", header=True), C("上一年项目数量", header=True), C("本年增/减", header=True),
                     C("处理决定数量", header=True)])
        for code, label in (("punishment", "行政处罚"), ("coercion", "行政强制")):
            r = t[code] or {}
            rows.append([C(label)] + [C(fmt(r.get(k))) for k in ("prev_items", "change", "decisions")])
        rows.append([C("第二十条第（八）项", colspan=4, header=True)])
        rows.append([C("信息内容", header=True), C("上一年项目数量", header=True), C("本年增/减", header=True, colspan=2)])
        r = t["fees"] or {}
        rows.append([C("行政事业性收费"), C(fmt(r.get("prev_items"))), C(fmt(r.get("change")), colspan=2)])
        rows.append([C("第二十条第（九）项", colspan=4, header=True)])
        rows.append([C("信息内容", header=True), C("采购项目数量", header=True), C("采购总金额", header=True, colspan=2)])
        r = t["procurement"] or {}
        rows.append([C("政府集中采购"), C(fmt(r.get("items"))), C(fmt(r.get("amount")), colspan=2)])
        return rows
    t = report["table2"]
    rows = [[C("第二十条第（一）项", colspan=4, header=True)],
            [C("信息内容", header=True), C("本年制发件数", header=True), C("本年废止件数", header=True),
             C("现行有效件数", header=True)]]
    for code, label in (("regulations", "规章"), ("normative_documents", "行政规范性文件")):
        rows.append([C(label)] + [C(fmt(t[code][k])) for k in ("issued", "repealed", "in_force")])
    for item, pairs in (("（五）", [("licensing", "行政许可")]),
                        ("（六）", [("punishment", "行政处罚"), ("coercion", "行政强制")])):
        rows.append([C(f"第二十条第{item}项", colspan=4, header=True)])
        rows.append([C("信息内容", header=True), C("本年处理决定数量", colspan=3, header=True)])
        for code, label in pairs:
            rows.append([C(label), C(fmt(t[code]["decisions"]), colspan=3)])
    rows.append([C("第二十条第（八）项", colspan=4, header=True)])
    rows.append([C("信息内容", header=True), C("本年收费金额（单位：万元）", colspan=3, header=True)])
    rows.append([C("行政事业性收费"), C(fmt(t["fees"]["amount"]), colspan=3)])
    return rows


def table3_grid(report: dict) -> list[list[C]]:
    t = report["table3"]
    single = t.get("3.6") is not None
    rows = [
        [C("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3, header=True),
         C("申请人情况", colspan=7, header=True)],
        [C("自然人", rowspan=2, header=True), C("法人或其他组织", colspan=5, header=True), C("总计", rowspan=2, header=True)],
        [C(x, header=True) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")],
    ]
    labels = [(c, lab) for c, lab in T3_LABELS if not (single and c.startswith("3.6."))]
    if single:
        idx = [c for c, _ in labels].index("3.7")
        labels.insert(idx, ("3.6", "（六）其他处理"))
    outcome = [c for c, _ in labels if c.startswith("3.")]

    def vals(code):
        row = t.get(code) or {}
        return [C(fmt(row.get(k))) for k in T3_COLS]

    seen_groups = set()
    for code, label in labels:
        if code in ("1", "2", "4"):
            rows.append([C(label, colspan=3)] + vals(code))
            continue
        lead = []
        if code == outcome[0]:
            lead.append(C("三、本年度办理结果", rowspan=len(outcome)))
        group = code[:3] if code.count(".") == 2 else None
        if group is None:
            lead.append(C(label, colspan=2))
        else:
            if group not in seen_groups:
                seen_groups.add(group)
                n = sum(1 for c in outcome if c.startswith(group + "."))
                lead.append(C(GROUPS[group], rowspan=n))
            lead.append(C(label))
        rows.append(lead + vals(code))
    return rows


def table4_grid(report: dict) -> list[list[C]]:
    t = report["table4"]
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [
        [C("行政复议", colspan=5, header=True), C("行政诉讼", colspan=10, header=True)],
        [C(h, rowspan=2, header=True) for h in heads]
        + [C("未经复议直接起诉", colspan=5, header=True), C("复议后起诉", colspan=5, header=True)],
        [C(h, header=True) for h in heads * 2],
        [C(fmt(t[g][o])) for g in T4_GROUPS for o in T4_OUT],
    ]


SECTIONS = [
    ("一、总体情况", "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，全面推进政务公开工作。"),
    ("二、主动公开政府信息情况", None),
    ("三、收到和处理政府信息公开申请情况", None),
    ("四、政府信息公开行政复议、行政诉讼情况", None),
    ("五、存在的主要问题及改进情况", "一是公开内容有待进一步丰富；二是解读形式还不够多样。"),
    ("六、其他需要报告的事项", "本年度未收取信息处理费。"),
]


def blocks(report: dict):
    """The document in order: ("title", text) / ("p", text) / ("table", grid)."""
    yield "title", report["agency"], f"{report['year']}年政府信息公开工作年度报告"
    grids = {1: table2_grid(report), 2: table3_grid(report), 3: table4_grid(report)}
    for i, (heading, para) in enumerate(SECTIONS):
        yield "h", heading
        if para:
            yield "p", para
        if i in grids:
            yield "table", grids[i]
    yield "p", report["agency"]
    yield "p", "2024年1月20日"


# ---------------------------------------------------------------- renderers


def to_html(report: dict, *, encoding: str = "utf-8", meta_only_charset: bool = False, split_table3: bool = False,
            layout_wrapper: bool = False, nbsp: bool = False, fullwidth: bool = False, title_in_body: bool = True) -> bytes:
    def cell_html(c: C) -> str:
        text = htmlmod.escape(c.text)
        if fullwidth:
            text = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text)
        if nbsp and not c.text:
            text = "&nbsp;"
        attrs = ""
        if c.rowspan > 1:
            attrs += f' rowspan="{c.rowspan}"'
        if c.colspan > 1:
            attrs += f' colspan="{c.colspan}"'
        return f'<td{attrs} style="border:1px solid #000"><p style="text-align:center"><span>{text}</span></p></td>'

    def table_html(grid) -> str:
        return ('<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse"><tbody>'
                + "".join("<tr>" + "".join(cell_html(c) for c in row) + "</tr>" for row in grid)
                + "</tbody></table>")

    parts = []
    title = ""
    for block in blocks(report):
        if block[0] == "title":
            title = block[1] + block[2]
            if title_in_body:
                parts.append(f'<p style="text-align:center"><strong>{block[1]}</strong><br/><strong>{block[2]}</strong></p>')
        elif block[0] == "h":
            parts.append(f"<p><strong>{block[1]}</strong></p>")
        elif block[0] == "p":
            parts.append(f"<p>{htmlmod.escape(block[1])}</p>")
        else:
            grid = block[1]
            if split_table3 and len(grid) > 20:
                parts.append(table_html(_split_part(grid, first=True)))
                parts.append("<p>（续表）</p>")
                parts.append(table_html(_split_part(grid, first=False)))
            else:
                parts.append(table_html(grid))
    article = "\n".join(parts)
    if layout_wrapper:
        article = f'<table width="100%"><tr><td class="nav">当前位置：首页 &gt; 政务公开</td></tr><tr><td>{article}</td></tr></table>'
    charset = "gbk" if encoding.lower() in ("gbk", "gb2312", "gb18030") else encoding
    head = f'<meta charset="{charset}">' if meta_only_charset or charset != "utf-8" else '<meta charset="utf-8">'
    doc = (f"<!DOCTYPE html><html><head>{head}<title>{title}_某某县人民政府</title>"
           f'<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2024-01-25 10:00">'
           f'</head><body><div class="header">某某县人民政府 首页 政务公开</div><div id="zoom" class="TRS_Editor">'
           f"{article}</div><div class=\"footer\">网站地图 ICP备案</div></body></html>")
    return doc.encode("gb18030" if charset == "gbk" else encoding)


def _split_part(grid, first: bool):
    """Table 3 cut in two before group （四）, the second part repeating the header rows."""
    import copy

    grid = copy.deepcopy(grid)
    cut = next(i for i, row in enumerate(grid) if any(c.text == GROUPS["3.4"] for c in row))
    head, top, bottom = grid[:3], grid[3:cut], grid[cut:]
    if first:
        for r, row in enumerate(top):
            for c in row:
                c.rowspan = min(c.rowspan, len(top) - r)
        return head + top
    outcome_rows = sum(1 for row in bottom if not row[0].text.startswith("四、"))
    bottom[0].insert(0, C("三、本年度办理结果", rowspan=outcome_rows))
    return head + bottom


def _docx_document(report: dict):
    import docx
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(10)
    for block in blocks(report):
        if block[0] == "title":
            document.add_paragraph(block[1], style="Title")
            document.add_paragraph(block[2], style="Title")
        elif block[0] == "h":
            document.add_paragraph(block[1], style="Heading 2")
        elif block[0] == "p":
            document.add_paragraph(block[1])
        else:
            grid = block[1]
            ncols = max(sum(c.colspan for c in row) for row in grid[:1]) if grid else 1
            ncols = _grid_width(grid)
            table = document.add_table(rows=len(grid), cols=ncols)
            table.style = "Table Grid"
            occupied = set()
            for r, row in enumerate(grid):
                col = 0
                for c in row:
                    while (r, col) in occupied:
                        col += 1
                    top = table.cell(r, col)
                    top.text = c.text
                    if c.rowspan > 1 or c.colspan > 1:
                        top.merge(table.cell(r + c.rowspan - 1, col + c.colspan - 1))
                    for dr in range(c.rowspan):
                        for dc in range(c.colspan):
                            occupied.add((r + dr, col + dc))
                    col += c.colspan
    return document


def _grid_width(grid) -> int:
    occupied = set()
    width = 0
    for r, row in enumerate(grid):
        col = 0
        for c in row:
            while (r, col) in occupied:
                col += 1
            for dr in range(c.rowspan):
                for dc in range(c.colspan):
                    occupied.add((r + dr, col + dc))
            col += c.colspan
            width = max(width, col)
    return width


def to_docx(report: dict) -> bytes:
    out = io.BytesIO()
    _docx_document(report).save(out)
    return out.getvalue()


def _sheet_cells(report: dict):
    """(row, col, value, rowspan, colspan) for a whole report stacked in one sheet, 0-based."""
    r0 = 0
    for block in blocks(report):
        if block[0] == "title":
            yield r0, 0, block[1] + block[2], 1, 1
            r0 += 2
        elif block[0] in ("h", "p"):
            yield r0, 0, block[1], 1, 1
            r0 += 1
        else:
            grid = block[1]
            occupied = set()
            for r, row in enumerate(grid):
                col = 0
                for c in row:
                    while (r, col) in occupied:
                        col += 1
                    value = c.text
                    if value and value.lstrip("-").replace(".", "", 1).isdigit():
                        value = float(value) if "." in value else int(value)
                    yield r0 + r, col, value, c.rowspan, c.colspan
                    for dr in range(c.rowspan):
                        for dc in range(c.colspan):
                            occupied.add((r + dr, col + dc))
                    col += c.colspan
            r0 += len(grid) + 1


def to_xlsx(report: dict) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年报"
    for r, c, value, rs, cs in _sheet_cells(report):
        ws.cell(row=r + 1, column=c + 1, value=value if value != "" else None)
        if rs > 1 or cs > 1:
            ws.merge_cells(start_row=r + 1, start_column=c + 1, end_row=r + rs, end_column=c + cs)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_xls(report: dict) -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("年报")
    for r, c, value, rs, cs in _sheet_cells(report):
        if rs > 1 or cs > 1:
            ws.write_merge(r, r + rs - 1, c, c + cs - 1, value)
        else:
            ws.write(r, c, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def to_pdf(report: dict, *, page_break_in_table3: bool = True, ruled: bool = True) -> bytes:
    """A ruled PDF like the ones portals publish, with a CJK font embedded.

    Table 3 is long enough to run over a page, so a row may be split by the page break.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", FONT_PATH, subfontIndex=0))
    base = ParagraphStyle("cjk", fontName="WQY", fontSize=9, leading=12, wordWrap="CJK")
    title_style = ParagraphStyle("title", parent=base, fontSize=15, leading=20, alignment=1)
    cell_style = ParagraphStyle("cell", parent=base, fontSize=7, leading=9, wordWrap="CJK")
    story = []
    for block in blocks(report):
        if block[0] == "title":
            story.append(Paragraph(block[1], title_style))
            story.append(Paragraph(block[2], title_style))
            story.append(Spacer(1, 8))
        elif block[0] in ("h", "p"):
            story.append(Paragraph(htmlmod.escape(block[1]), base))
        else:
            grid = block[1]
            width = _grid_width(grid)
            data = [["" for _ in range(width)] for _ in grid]
            spans = []
            occupied = set()
            for r, row in enumerate(grid):
                col = 0
                for c in row:
                    while (r, col) in occupied:
                        col += 1
                    data[r][col] = Paragraph(htmlmod.escape(c.text), cell_style) if len(c.text) > 6 else c.text
                    if c.rowspan > 1 or c.colspan > 1:
                        spans.append(("SPAN", (col, r), (col + c.colspan - 1, r + c.rowspan - 1)))
                    for dr in range(c.rowspan):
                        for dc in range(c.colspan):
                            occupied.add((r + dr, col + dc))
                    col += c.colspan
            total = 500.0
            if width == 10:
                widths = [40, 40, 130] + [41.4] * 7
            elif width == 4:
                widths = [140, 120, 120, 120]
            else:
                widths = [total / width] * width
            t = Table(data, colWidths=widths, repeatRows=0, splitByRow=1)
            grid_style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black)] if ruled else []
            t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "WQY"), ("FONTSIZE", (0, 0), (-1, -1), 7),
                                   *grid_style, ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *spans]))
            story.append(t)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=40, rightMargin=40, topMargin=40, bottomMargin=40,
                            title=f"{report['agency']}{report['year']}年政府信息公开工作年度报告", invariant=1)
    doc.build(story)
    return out.getvalue()


def to_doc(report: dict) -> bytes | None:
    """Word 97 via LibreOffice (slow: cached under .cache/). None when LibreOffice is missing."""
    docx_bytes = to_docx(report)
    key = hashlib.sha256(docx_bytes).hexdigest()[:16]
    cached = CACHE / f"{key}.doc"
    if cached.exists():
        return cached.read_bytes()
    exe = shutil.which("soffice")
    if not exe:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(docx_bytes)
        subprocess.run([exe, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "doc",
                        "--outdir", tmp, str(src)], capture_output=True, timeout=180, check=False)
        out = Path(tmp) / "report.doc"
        if not out.exists():
            return None
        CACHE.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(out.read_bytes())
        return cached.read_bytes()


def seed_reports() -> dict[str, dict]:
    return {p.name[: -len(".expected.json")]: json.loads(p.read_text()) for p in sorted(SEEDS.glob("*.expected.json"))}


def report_2019(base: dict) -> dict:
    """A 2019-template report made from a seed's numbers: row 3.6 printed as one row, Table 2 of 2019."""
    report = json.loads(json.dumps(base))
    report["year"] = 2020
    report["template"] = "2019"
    t3 = report["table3"]
    merged = {}
    for col in T3_COLS:
        merged[col] = sum((t3[r] or {}).get(col) or 0 for r in ("3.6.1", "3.6.2", "3.6.3"))
    t3["3.6"] = merged
    for r in ("3.6.1", "3.6.2", "3.6.3"):
        t3[r] = None
    report["table2"] = None
    report["table2_2019"] = {
        "regulations": {"new_made": 0, "new_published": 0, "total_published": 3},
        "normative_documents": {"new_made": 12, "new_published": 12, "total_published": 140},
        "licensing": {"prev_items": 310, "change": -12, "decisions": 15230},
        "other_services": {"prev_items": 41, "change": 0, "decisions": 2210},
        "punishment": {"prev_items": 95, "change": 3, "decisions": 872},
        "coercion": {"prev_items": 12, "change": None, "decisions": 9},
        "fees": {"prev_items": 4, "change": -1},
        "procurement": {"items": 37, "amount": 1523.6},
    }
    return report


FIXTURE_VERSION = "1"
_RENDERERS = {"html": to_html, "docx": to_docx, "xlsx": to_xlsx, "xls": to_xls, "pdf": to_pdf}


def render(fmt_name: str, report: dict, **options) -> bytes:
    """A rendered document, cached under .cache/ (regenerated whenever missing)."""
    if fmt_name == "doc":
        data = to_doc(report)
        if data is None:
            raise RuntimeError("LibreOffice is needed to make a .doc fixture")
        return data
    key = hashlib.sha256(
        json.dumps([FIXTURE_VERSION, fmt_name, report, options], sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:20]
    path = CACHE / f"{key}.{fmt_name}"
    if path.exists():
        return path.read_bytes()
    data = _RENDERERS[fmt_name](report, **options)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data
