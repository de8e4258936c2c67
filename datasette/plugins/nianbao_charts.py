"""Offline charts: a `.svg` output renderer drawing a horizontal bar chart of a query's rows.

No JavaScript and no CDN: the server draws the SVG, and templates/query.html shows it with an
<img> above the results of the canned queries configured under `plugins: nianbao-charts:
queries:` in metadata.yml (`label` column, `value` column, optional `title`). Served as
image/svg+xml with a sandbox CSP; every text is escaped.
"""

from __future__ import annotations

import html

from datasette.utils.asgi import Response

from datasette import hookimpl

PLUGIN = "nianbao-charts"
MAX_BARS = 25
WIDTH, BAR, GAP, LABEL_W, TOP = 760, 18, 6, 260, 34


def chart_spec(datasette, database, query_name):
    config = datasette.plugin_config(PLUGIN, database=database) or {}
    return (config.get("queries") or {}).get(query_name) if query_name else None


def bar_chart_svg(title: str, labels: list[str], values: list[float | None], unit: str = "") -> str:
    """A self-contained SVG bar chart; null values are drawn as gaps marked "—", never as zero."""
    pairs = list(zip(labels, values, strict=False))[:MAX_BARS]
    numeric = [v for _, v in pairs if isinstance(v, int | float)]
    top = max([v for v in numeric if v > 0], default=1)
    height = TOP + len(pairs) * (BAR + GAP) + 10
    plot = WIDTH - LABEL_W - 90
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="WenQuanYi Zen Hei, Noto Sans CJK SC, sans-serif" '
           f'font-size="12" role="img" aria-label="{html.escape(title)}">',
           f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
           f'<text x="8" y="20" font-size="14" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, value) in enumerate(pairs):
        y = TOP + i * (BAR + GAP)
        text = html.escape(str(label if label is not None else "—"))[:40]
        out.append(f'<text x="{LABEL_W - 6}" y="{y + BAR - 5}" text-anchor="end">{text}</text>')
        if isinstance(value, int | float):
            w = max(0.0, plot * value / top) if value > 0 else 0
            shown = f"{value:,.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"
            out.append(f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR}" fill="#3b6ea8"/>')
            out.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{y + BAR - 5}">{shown}{html.escape(unit)}</text>')
        else:
            out.append(f'<text x="{LABEL_W + 4}" y="{y + BAR - 5}" fill="#888">—</text>')
    out.append("</svg>")
    return "\n".join(out)


def _can_render(datasette, columns, database, query_name):
    spec = chart_spec(datasette, database, query_name)
    return bool(spec) and spec.get("label") in columns and spec.get("value") in columns


def _render(datasette, columns, rows, database, query_name):
    spec = chart_spec(datasette, database, query_name) or {}
    label, value = spec.get("label"), spec.get("value")
    if label not in columns or value not in columns:
        return Response.text("this query has no chart\n", status=404)
    li, vi = columns.index(label), columns.index(value)
    svg = bar_chart_svg(spec.get("title") or query_name, [r[li] for r in rows], [r[vi] for r in rows],
                        spec.get("unit", ""))
    return Response(svg, content_type="image/svg+xml; charset=utf-8",
                    headers={"Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'",
                             "X-Content-Type-Options": "nosniff"})


@hookimpl
def register_output_renderer(datasette):
    return {"extension": "svg", "render": _render, "can_render": _can_render}
