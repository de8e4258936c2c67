"""The report as an HTML article body, in the table layouts real portals publish.

Layouts (``LAYOUTS``):

- ``classic``: TRS-editor style; Table 2 one big table of four 第二十条 blocks; Table 3 with the
  real rowspan/colspan header; Table 4 with three header rows.
- ``word``: exported from Word: ``MsoNormalTable``, every cell a ``<p class=MsoNormal><span>``,
  ``&nbsp;`` in empty cells, header words broken over lines.
- ``blocks``: one small table per 第二十条 block; Table 3 split in two tables with the header
  rows repeated in the second; Table 4 with two header rows; ``<th>`` headers.
- ``fullwidth``: full-width digits in some cells, the 三、本年度办理结果 cell repeated where the
  table broke over a page (as in the liuyang seed), paragraphs indented with ``　　``.
- ``plain``: bare ``<table>``s without borders attributes, ``<tbody>``, text in ``<span>``s, and
  Table 3's 总计 beside 申请人情况 spanning all three header rows (as in the county-office seed).

Seed reports are drawn from their own text (``model.seed_blocks``), in the layout asked for.
"""

from __future__ import annotations

import hashlib
import html

from farm.documents.model import Block, Cell, Table, fullwidth, report_blocks
from farm.reports import PlantedReport

LAYOUTS: tuple[str, ...] = ("classic", "word", "blocks", "fullwidth", "plain")

_TABLE_OPTIONS = {
    "classic": {},
    "word": {"header_breaks": True},
    "blocks": {"t4_header_rows": 2},
    "fullwidth": {"split_group_at_36": True, "header_breaks": True, "repealed_label": "本年废止或失效件数"},
    "plain": {"total_in_first_row": True},
}


def _esc(text: str, breaks: str = "<br/>") -> str:
    return breaks.join(html.escape(part, quote=False) for part in text.split("\n"))


def _span_attrs(cell: Cell) -> str:
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    return attrs


def _cell_classic(cell: Cell, r: int, c: int) -> str:
    align = ' align="center"' if cell.kind != "label" or len(cell.text) < 12 else ""
    return f"<td{_span_attrs(cell)}{align} valign=\"middle\">{_esc(cell.text)}</td>"


def _cell_word(cell: Cell, r: int, c: int) -> str:
    style = "border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt"
    text = "&nbsp;" if not cell.text.strip() else _esc(cell.text, "</span></p><p class=\"MsoNormal\" align=\"center\" style=\"text-align:center\"><span style=\"font-family:宋体;font-size:10.5pt\">")
    width = 36 if cell.kind == "value" else 120
    return (f"<td width=\"{width * cell.colspan}\"{_span_attrs(cell)} valign=\"center\" style=\"{style}\">"
            f"<p class=\"MsoNormal\" align=\"center\" style=\"text-align:center\"><span style=\"font-family:宋体;font-size:10.5pt\">"
            f"{text}<span lang=\"EN-US\"><o:p></o:p></span></span></p></td>")  # fmt: skip


def _cell_th(cell: Cell, r: int, c: int) -> str:
    tag = "th" if cell.kind == "head" else "td"
    return f"<{tag}{_span_attrs(cell)}>{_esc(cell.text)}</{tag}>"


def _cell_fullwidth(cell: Cell, r: int, c: int) -> str:
    text = cell.text
    if cell.kind == "value":
        if not text.strip():
            text = "—"
        elif (r * 7 + c * 3) % 4 == 0:  # some cells typed with full-width digits
            text = fullwidth(text)
    return f"<td{_span_attrs(cell)} style=\"text-align:center\">{_esc(text)}</td>"


def _cell_plain(cell: Cell, r: int, c: int) -> str:
    return f"<td{_span_attrs(cell)}><span>{_esc(cell.text)}</span></td>"


_CELL = {"classic": _cell_classic, "word": _cell_word, "blocks": _cell_th, "fullwidth": _cell_fullwidth, "plain": _cell_plain}
_TABLE_OPEN = {
    "classic": '<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse">',
    "word": '<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;border:none">',
    "blocks": '<table class="table" border="1" cellspacing="0" style="width:100%">',
    "fullwidth": '<table border="1" cellspacing="0" cellpadding="4" align="center">',
    "plain": "<table>",
}


def _table_html(table: Table, layout: str) -> str:
    cell = _CELL[layout]
    out = [_TABLE_OPEN[layout]]
    if layout == "plain":
        out.append("<tbody>")
    for r, row in enumerate(table.rows):
        tr = '<tr style="height:20pt">' if layout == "word" else "<tr>"
        if layout == "blocks" and r < table.header_rows:
            tr = '<tr class="thead">'
        out.append(tr + "".join(cell(c, r, i) for i, c in enumerate(row)) + "</tr>")
    if layout == "plain":
        out.append("</tbody>")
    out.append("</table>")
    return "\n".join(out)


def _split_table3(table: Table) -> list[Table]:
    """Table 3 split before （四）无法提供, with the three header rows repeated (page-break style)."""
    rows = table.rows
    header = rows[: table.header_rows]
    cut = next(i for i, row in enumerate(rows) if any(c.text.startswith(("（四）", "(四)")) for c in row))
    first = [list(r) for r in rows[:cut]]
    second = [list(r) for r in rows[cut:]]
    # the 三、本年度办理结果 cell spans both parts: shorten it and repeat it in the second part
    group = next(c for r in first for c in r if c.text == "三、本年度办理结果")
    in_first = cut - next(i for i, r in enumerate(rows) if group in r)
    rest = group.rowspan - in_first
    first = [[Cell(c.text, in_first, c.colspan, c.kind, c.key) if c is group else c for c in r] for r in first]
    second[0] = [Cell("三、本年度办理结果", rest), *second[0]]
    return [Table("table3", first, table.header_rows), Table("table3", [*header, *second], table.header_rows)]


def _paragraph(block: Block, layout: str) -> str:
    text = _esc(block.text)
    if layout == "word":
        return f'<p class="MsoNormal" style="text-indent:32.0pt;line-height:28.0pt"><span style="font-family:仿宋_GB2312;font-size:16.0pt">{text}</span></p>'
    if layout == "fullwidth":
        return f"<p>\u3000\u3000{text}</p>"
    if layout == "plain":
        return f"<p>{text}</p>"
    return f'<p style="text-indent:2em">{text}</p>'


def _heading(block: Block, layout: str) -> str:
    text = _esc(block.text)
    if layout == "word":
        return f'<p class="MsoNormal" style="text-indent:32.0pt"><b><span style="font-family:黑体;font-size:16.0pt">{text}</span></b></p>'
    if layout == "blocks":
        return f"<h3>{text}</h3>"
    if layout == "fullwidth":
        return f"<p>\u3000\u3000<strong>{text}</strong></p>"
    return f'<p style="text-indent:2em"><strong>{text}</strong></p>'


def _title(block: Block, layout: str) -> str:
    text = "<br/>".join(_esc(line) for line in block.lines)
    if layout == "word":
        return f'<p class="MsoNormal" align="center" style="text-align:center"><b><span style="font-family:方正小标宋简体;font-size:22.0pt">{text}</span></b></p>'
    if layout == "blocks":
        return f'<h2 style="text-align:center">{text}</h2>'
    return f'<p style="text-align:center"><strong>{text}</strong></p>'


def blocks_html(blocks: list[Block], layout: str) -> str:
    out = []
    for block in blocks:
        if block.kind == "title":
            out.append(_title(block, layout))
        elif block.kind == "heading":
            out.append(_heading(block, layout))
        elif block.kind == "para":
            out.append(_paragraph(block, layout))
        elif block.kind == "anchor":
            out.append(f'<a name="{html.escape(block.text)}"></a>')
        elif block.kind == "signature":
            out.extend(f'<p style="text-align:right">{_esc(line)}</p>' for line in block.lines)
        elif block.kind == "table":
            table = block.table
            assert table is not None
            if layout == "blocks" and table.name == "table2":
                parts = [Table("table2", t.rows) for t in _table2_parts(table)]
            elif layout == "blocks" and table.name == "table3":
                parts = _split_table3(table)
            else:
                parts = [table]
            out.extend(_table_html(t, layout) for t in parts)
    return "\n".join(out) + "\n"


def _table2_parts(table: Table) -> list[Table]:
    parts: list[Table] = []
    for row in table.rows:
        if len(row) == 1 and row[0].text.startswith("第二十条"):
            parts.append(Table("table2", []))
        parts[-1].rows.append(row)
    return parts


def render_article_html(report: PlantedReport, *, layout: str, with_title: bool = True) -> str:
    """The article body (no <html>/<head>): title, six sections and the three tables."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
    blocks = report_blocks(report, with_title=with_title, **_TABLE_OPTIONS[layout])
    body = blocks_html(blocks, layout)
    if in_layout_wrapper(report):
        body = ('<table width="100%" border="0" cellspacing="0" cellpadding="0" class="layout">\n'
                f'<tr><td class="article-content">\n{body}</td></tr>\n</table>\n')
    return body


def in_layout_wrapper(report: PlantedReport) -> bool:
    """A fifth of the articles sit inside a page-layout table (old CMS templates), fixed by content."""
    digest = hashlib.sha256(report.canonical_json().encode()).digest()
    return digest[0] % 5 == 0


__all__ = ["LAYOUTS", "render_article_html", "blocks_html"]
