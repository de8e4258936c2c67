"""The whole pipeline against the simulated portals: crawl → build → the database holds the truth.

Issue 5's Done-when, measured on the session's farm crawl: every planted report that was reachable
is in `reports` with every cell equal to the manifest (nulls included), image-only reports are there
with status `image_only`, and no look-alike is among the reports.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

TABLES = {
    # canonical key -> (db table, first key column, second key column)
    "table2": ("table2", "item", "field"),
    "table2_2019": ("table2_2019", "item", "field"),
    "table3": ("table3", "row", "col"),
    "table4": ("table4", "grp", "outcome"),
}


@pytest.fixture(scope="module")
def built(farm_crawl):
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao.cli", "build", str(farm_crawl.out)], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite3.connect(farm_crawl.out / "nianbao.db")
    db.row_factory = sqlite3.Row
    yield db, farm_crawl
    db.close()


def cells(table: dict | None) -> dict[tuple[str, str], object]:
    """A canonical table as {(row, column): value}; a null row counts as null cells."""
    out: dict[tuple[str, str], object] = {}
    for row, fields in (table or {}).items():
        for field, value in (fields or {}).items():
            out[(row, field)] = value
    return out


def db_cells(db: sqlite3.Connection, report_id: str, key: str) -> dict[tuple[str, str], object]:
    name, a, b = TABLES[key]
    rows = db.execute(f"select [{a}], [{b}], value from [{name}] where report_id = ?", (report_id,)).fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


def reachable_reports(manifest: dict) -> list[dict]:
    """Planted reports a polite crawler must get: all but those robots.txt forbids (the crawl obeys
    it). Those that need a browser are included: the browser path is on by default."""
    return [r for r in manifest["reports"] if not r.get("robots_disallowed")]


def test_every_reachable_planted_report_is_in_the_database_with_the_manifest_values(built):
    db, fc = built
    manifest = fc.farm.manifest
    by_url = {row["url"]: row for row in db.execute("select * from reports")}  # every version, latest or not
    wrong = []
    missing = []
    for planted in reachable_reports(manifest):
        row = by_url.get(planted["page_url"])
        if row is None:
            missing.append(planted["page_url"])
            continue
        expected = planted["expected"]
        if expected is None:  # image-only: present, flagged, no invented tables
            if row["parse_status"] != "image_only" or any(db_cells(db, row["id"], k) for k in TABLES):
                wrong.append((planted["page_url"], "image-only report not stored as image_only without tables"))
            continue
        if (row["agency"], row["year"], row["template"]) != (planted["agency"], planted["year"], planted["template"]):
            wrong.append((planted["page_url"], (row["agency"], row["year"], row["template"])))
            continue
        for key in TABLES:
            want = cells(expected[key])
            got = db_cells(db, row["id"], key)
            # a cell the database does not hold is null; compare over the union of both
            diff = {k: (want.get(k), got.get(k)) for k in set(want) | set(got) if want.get(k) != got.get(k)}
            if diff:
                wrong.append((planted["page_url"], key, sorted(diff.items())[:5]))
    assert not missing, f"{len(missing)} reachable planted reports missing from the database: {missing[:10]}"
    assert not wrong, f"{len(wrong)} reports differ from the manifest: {wrong[:5]}"
    assert len(reachable_reports(manifest)) >= 100  # the comparison covered the farm, not a handful


def test_image_only_reports_are_present_with_their_status(built):
    db, fc = built
    image_only = [r for r in reachable_reports(fc.farm.manifest) if r["expected"] is None]
    assert image_only, "the farm plants image-only reports"
    statuses = {
        r["page_url"]: db.execute("select parse_status from reports where url = ?", (r["page_url"],)).fetchone()
        for r in image_only
    }
    assert all(s is not None and s[0] == "image_only" for s in statuses.values()), statuses


def test_no_lookalike_is_among_the_reports(built):
    db, fc = built
    report_urls = {row[0] for row in db.execute("select url from reports")}
    lookalike_urls = {item["url"] for item in fc.farm.manifest["lookalikes"]}
    assert not report_urls & lookalike_urls
    planted_urls = {r["page_url"] for r in fc.farm.manifest["reports"]}
    assert report_urls <= planted_urls, sorted(report_urls - planted_urls)[:10]


def test_rebuild_with_nothing_new_changes_nothing(built):
    db, fc = built
    before = db.execute("select count(*), total(length(id)) from reports").fetchone()
    checks_before = db.execute("select count(*) from checks").fetchone()[0]
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao.cli", "build", str(fc.out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    after = sqlite3.connect(fc.out / "nianbao.db")
    assert after.execute("select count(*), total(length(id)) from reports").fetchone() == tuple(before)
    assert after.execute("select count(*) from checks").fetchone()[0] == checks_before
