"""Interim stand-in for farm.reports / farm.documents / farm.lookalikes while those are written.

Used by farm.content only when the real modules cannot be imported. It produces schema-valid
reports with plain tables so the portals can be built and served; it is not the report generator.
"""

from __future__ import annotations

import html
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
LAYOUTS = ["plain"]
T3_ROWS = ["1", "2", "3.1", "3.2", "3.3.1", "3.3.2", "3.3.3", "3.3.4", "3.3.5", "3.3.6", "3.3.7", "3.3.8",
           "3.4.1", "3.4.2", "3.4.3", "3.5.1", "3.5.2", "3.5.3", "3.5.4", "3.5.5", "3.6", "3.6.1", "3.6.2",
           "3.6.3", "3.7", "4"]
T3_COLS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
           "legal_service_org", "other_org", "total"]


@dataclass
class PlantedReport:
    agency: str
    year: int
    template: str
    level: str
    title: str
    published: str
    expected: dict = field(default_factory=dict)
    inconsistent: bool = False
    seed_name: str | None = None


@dataclass
class Lookalike:
    kind: str
    title: str
    body_html: str


def _t3(rng: random.Random) -> dict:
    table: dict = {r: None for r in T3_ROWS}
    for row in T3_ROWS:
        if row == "3.6":
            continue
        vals = {c: rng.randint(0, 3) for c in T3_COLS[:-1]}
        vals["total"] = sum(vals.values())
        table[row] = vals
    return table


def generate_report(rng: random.Random, agency: str, year: int, *, level: str, published=None,
                    inconsistent: bool = False) -> PlantedReport:
    template = "2021" if year >= 2021 else "2019"
    groups = {g: {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
              for g in ("review", "litigation_direct", "litigation_after_review")}
    expected = {"agency": agency, "year": year, "template": template, "table2": None, "table2_2019": None,
                "table3": _t3(rng), "table4": groups}
    if template == "2021":
        expected["table2"] = {"regulations": {"issued": 0, "repealed": 0, "in_force": rng.randint(0, 9)},
                              "normative_documents": {"issued": rng.randint(0, 9), "repealed": 0, "in_force": 3},
                              "licensing": {"decisions": rng.randint(0, 900)}, "punishment": {"decisions": 1},
                              "coercion": {"decisions": 0}, "fees": {"amount": 0}}
    title = f"{agency}{year}年政府信息公开工作年度报告"
    return PlantedReport(agency, year, template, level, title, published, expected, inconsistent)


def seed_reports() -> list[PlantedReport]:
    out = []
    for path in sorted(DATA.glob("*.expected.json")):
        exp = json.loads(path.read_text("utf-8"))
        exp.pop("checks", None)
        name = path.name.removesuffix(".expected.json")
        out.append(PlantedReport(exp["agency"], exp["year"], exp["template"], "county",
                                 f"{exp['agency']}{exp['year']}年政府信息公开工作年度报告", f"{exp['year'] + 1}-01-20",
                                 exp, False, name))
    return out


def render_article_html(report: PlantedReport, *, layout: str = "plain", with_title: bool = True) -> str:
    rows = []
    for code, cells in (report.expected.get("table3") or {}).items():
        if cells:
            rows.append("<tr><td>" + html.escape(code) + "</td>" + "".join(
                f"<td>{'' if v is None else v}</td>" for v in cells.values()) + "</tr>")
    head = f"<p style='text-align:center'><strong>{html.escape(report.title)}</strong></p>" if with_title else ""
    return (head + "<p>一、总体情况</p><p>三、收到和处理政府信息公开申请情况</p><table border='1'>"
            + "".join(rows) + "</table>")


def render_mirror_text_html(report: PlantedReport) -> str:
    return render_article_html(report)


def render_document(report: PlantedReport, fmt: str) -> bytes:
    text = f"{report.title}\n(interim {fmt} rendering)"
    if fmt in ("image",):
        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (40, 20), "white").save(buf, "PNG")
        return buf.getvalue()
    if fmt in ("pdf", "pdf_image"):
        from reportlab.pdfgen import canvas

        buf = io.BytesIO()
        c = canvas.Canvas(buf, invariant=1)
        c.drawString(72, 720, "interim")
        c.save()
        return buf.getvalue()
    return text.encode("utf-8")


def lookalike_pages(rng: random.Random, agency: str, year: int) -> list[Lookalike]:
    return [
        Lookalike("解读", f"《{agency}{year}年政府信息公开工作年度报告》解读", "<p>现就年报内容进行如下解读。</p>"),
        Lookalike("工作要点", f"关于印发{agency}{year + 1}年政务公开工作要点的通知", "<p>各单位：</p>"),
    ]
