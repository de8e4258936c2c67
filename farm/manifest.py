"""The farm's ground truth (manifest.json) and its seed list (seeds.csv).

Formats: ../shared/spec/farm-manifest.md and ../shared/spec/seeds.md. Every URL in the manifest
is the one the portal serves (scheme included), so crawler tests can compare against it exactly.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from farm import content
from farm.portals.base import Article, Column, Doc, Portal

if TYPE_CHECKING:
    from farm.generate import Farm

SEED_COLUMNS = ["agency", "url", "adcode", "level", "parent", "notes"]
LEVEL_FOR_SEEDS = {"county": "county", "city": "city", "office": "department", "department": "department",
                   "township": "township"}


def _doc_entry(portal: Portal, doc: Doc) -> dict:
    entry = {"url": portal.url(doc.path), "format": content.MANIFEST_FORMAT.get(doc.fmt, doc.fmt),
             "content_type": doc.content_type}
    if doc.final_path:
        entry["final_url"] = portal.url(doc.final_path)
    if doc.via_js:
        entry["linked_by_script"] = True
    if doc.fmt == "pdf_image":
        entry["scanned"] = True
    return entry


def _column_of(portal: Portal) -> dict[int, Column]:
    return {id(a): col for col in portal.all_columns() for a in col.articles}


def report_entry(portal: Portal, col: Column, art: Article) -> dict:
    report = art.report
    page_url = portal.url(art.path)
    if art.delivery == "html":
        documents = [{"url": page_url, "format": "html", "content_type": portal.site.lookup(art.path).content_type}]
        tables_from: str | None = page_url
    else:
        documents = [_doc_entry(portal, d) for d in art.docs if d.report is report]
        tables_from = documents[0]["url"] if art.delivery == "attachment" else None
    expected = copy.deepcopy(report.expected) if tables_from else None
    return {
        "agency": report.agency, "year": report.year, "template": report.template,
        "page_url": page_url, "documents": documents, "tables_from": tables_from,
        "needs_browser": bool(portal.needs_browser or art.extra.get("browser_only")),
        "expected": expected,
        # more facts for tests and benchmarks
        "seed_agency": art.agency.name,  # whose seed row leads here (the printed agency may differ)
        "title": art.title, "list_title": art.list_title, "published": art.published.isoformat(),
        "level": report.level, "host": portal.host, "family": portal.family, "delivery": art.delivery,
        "layout": art.layout, "title_in_body": art.title_in_body, "inconsistent": report.inconsistent,
        "inconsistency": getattr(report, "inconsistency", None), "seed_name": report.seed_name,
        "column": col.name, "column_url": portal.url(col.path), "outside_nb_column": col.kind == "gwgg",
        "folder_year": art.extra.get("folder_year"),
        "list_date": art.list_date.isoformat() if art.list_date else None,
        "id_date": art.extra.get("id_date"), "robots_disallowed": portal.robots_disallow,
        "true_values": copy.deepcopy(report.expected) if expected is None else None,
    }


def build_manifest(farm: Farm, proxy_url: str) -> dict:
    portals, reports, lookalikes, traps = [], [], [], []
    for portal in farm.portals:
        main = portal.columns[0] if portal.columns else None
        portals.append({
            "host": portal.host, "agency": portal.agency.name, "family": portal.family,
            "needs_browser": bool(portal.needs_browser or portal.needs_browser_lists), "hostile": list(portal.hostile),
            "scheme": portal.scheme, "home": portal.url("/"),
            "nb_column": portal.url(main.path) if main and portal.family != "mirror" else None,
            "gzip": portal.site.gzip_text, "https": portal.site.https, "robots_disallow": portal.robots_disallow,
            "charset": portal.charset_mode, "lists_need_browser": portal.needs_browser_lists,
        })
        columns = _column_of(portal)
        for art in portal.articles():
            col = columns[id(art)]
            if art.kind == "report":
                reports.append(report_entry(portal, col, art))
                if portal.big5_gateway:
                    lookalikes.append({"url": portal.url(f"/gate/big5/{portal.host}{art.path}"), "kind": "big5-duplicate",
                                       "title": art.title, "host": portal.host, "same_as": portal.url(art.path)})
                continue
            entry = {"url": portal.url(art.path), "kind": art.lookalike_kind or art.kind, "title": art.title,
                     "host": portal.host, "published": art.published.isoformat()}
            original = art.extra.get("repost_of")
            if original is not None:
                entry["same_as"] = portal.url(original.path)
            elif art.same_as:
                entry["same_as"] = art.same_as
            if art.report is not None:
                entry["report_agency"], entry["report_year"] = art.report.agency, art.report.year
            lookalikes.append(entry)
        traps.extend({**t, "host": portal.host} for t in portal.traps)
    return {"seed": farm.seed, "as_of": farm.as_of.isoformat() if farm.as_of else None, "proxy": proxy_url,
            "ca_cert": None, "portals": portals, "reports": reports,
            "lookalikes": lookalikes, "traps": traps}


def seed_rows(farm: Farm) -> list[dict]:
    rows = []
    for portal in farm.portals:
        if portal.family == "mirror":
            rows.append({"agency": portal.agency.name, "url": portal.url("/"), "adcode": portal.agency.adcode or "",
                         "level": LEVEL_FOR_SEEDS.get(portal.agency.level, ""), "parent": "",
                         "notes": "来源：搜索引擎结果（未核实）"})
            continue
        owner = portal.agency
        main = portal.columns[0]
        home = portal.url("/")
        owner_url = portal.url(portal.moved_from) if portal.moved_from else (
            home if portal.family in ("trs", "hanweb", "gkmlpt", "spa") else portal.url(main.path))
        rows.append({"agency": owner.name, "url": owner_url, "adcode": owner.adcode or "",
                     "level": LEVEL_FOR_SEEDS.get(owner.level, ""), "parent": owner.parent or "", "notes": ""})
        seen = {owner.name}
        for col in portal.all_columns():
            for art in col.articles:
                who = art.agency
                if art.kind != "report" or who.name in seen:
                    continue
                seen.add(who.name)
                start = col if col.kind not in ("gwgg", "year") else main
                url = portal.url(start.path) if who.level != "office" else portal.url(main.path)
                rows.append({"agency": who.name, "url": url, "adcode": who.adcode or "",
                             "level": LEVEL_FOR_SEEDS.get(who.level, ""), "parent": who.parent or owner.name,
                             "notes": ""})
    for row in rows:  # seed lists name the plain-http address; the portal redirects to https itself
        row["url"] = row["url"].replace("https://", "http://", 1)
    return rows


def seeds_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SEED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write(farm: Farm, out_dir, proxy_url: str) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = build_manifest(farm, proxy_url)
    if any(p.site.https for p in farm.portals):
        from farm.tls import ca_certificate_pem

        (out / "farm-ca.pem").write_bytes(ca_certificate_pem())
        manifest["ca_cert"] = str(out / "farm-ca.pem")
    (out / "seeds.csv").write_text(seeds_csv(seed_rows(farm)), encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def raw_document(farm: Farm, url: str) -> tuple[str, bytes]:
    """Content type and bytes of a page or document as its portal serves them (no gzip, no challenge)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for portal in farm.portals:
        if portal.host != host:
            continue
        for art in portal.articles():
            for doc in art.docs:
                if doc.path == parts.path + (f"?{parts.query}" if parts.query else "") or doc.final_path == parts.path:
                    return doc.content_type, doc.data()
        resource = portal.site.lookup(parts.path, parts.query)
        if resource is not None:
            return resource.content_type, resource.body
    raise KeyError(f"the farm serves no document at {url}")
