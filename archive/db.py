"""The archive database: schema and idempotent ``save_*`` functions (in the manner of github-to-sqlite).

Everything here is derived from the WARC files and crawl logs, so any row can be rebuilt. Saving
the same thing twice changes nothing; a report saved again (new parser version) has its derived
rows replaced, never appended. Table codes are those of ``shared/spec/report-schema.md``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import sqlite_utils

from archive import gazetteer

SCHEMA_VERSION = 5
# Value columns are declared ANY (NUMERIC affinity): counts stay integers, 万元 amounts may be decimals.
#: Bump when `segment` changes: the contentless search index is then rebuilt from scratch.
SEGMENTER_VERSION = 1

# --- canonical codes and their printed labels -------------------------------------------------

TABLE2_ITEMS = {
    "regulations": "规章",
    "normative_documents": "行政规范性文件",
    "licensing": "行政许可",
    "punishment": "行政处罚",
    "coercion": "行政强制",
    "fees": "行政事业性收费",
}
TABLE2_FIELDS = {
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "decisions": "本年处理决定数量",
    "amount": "本年收费金额（万元）",
}
TABLE2_2019_ITEMS = {
    "regulations": "规章",
    "normative_documents": "规范性文件",
    "licensing": "行政许可",
    "other_services": "其他对外管理服务事项",
    "punishment": "行政处罚",
    "coercion": "行政强制",
    "fees": "行政事业性收费",
    "procurement": "政府集中采购",
}
TABLE2_2019_FIELDS = {
    "new_made": "本年新制作数量",
    "new_published": "本年新公开数量",
    "total_published": "对外公开总数量",
    "prev_items": "上一年项目数量",
    "change": "本年增/减",
    "decisions": "处理决定数量",
    "items": "采购项目数量",
    "amount": "采购总金额（万元）",
}
TABLE3_COLUMNS = {
    "natural_person": "自然人",
    "commercial_enterprise": "法人或其他组织·商业企业",
    "research_institution": "法人或其他组织·科研机构",
    "social_welfare_org": "法人或其他组织·社会公益组织",
    "legal_service_org": "法人或其他组织·法律服务机构",
    "other_org": "法人或其他组织·其他",
    "total": "总计",
}
TABLE3_ROWS = {
    "1": "一、本年新收政府信息公开申请数量",
    "2": "二、上年结转政府信息公开申请数量",
    "3.1": "三、本年度办理结果（一）予以公开",
    "3.2": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "3.3.1": "（三）不予公开 1.属于国家秘密",
    "3.3.2": "（三）不予公开 2.其他法律行政法规禁止公开",
    "3.3.3": "（三）不予公开 3.危及“三安全一稳定”",
    "3.3.4": "（三）不予公开 4.保护第三方合法权益",
    "3.3.5": "（三）不予公开 5.属于三类内部事务信息",
    "3.3.6": "（三）不予公开 6.属于四类过程性信息",
    "3.3.7": "（三）不予公开 7.属于行政执法案卷",
    "3.3.8": "（三）不予公开 8.属于行政查询事项",
    "3.4.1": "（四）无法提供 1.本机关不掌握相关政府信息",
    "3.4.2": "（四）无法提供 2.没有现成信息需要另行制作",
    "3.4.3": "（四）无法提供 3.补正后申请内容仍不明确",
    "3.5.1": "（五）不予处理 1.信访举报投诉类申请",
    "3.5.2": "（五）不予处理 2.重复申请",
    "3.5.3": "（五）不予处理 3.要求提供公开出版物",
    "3.5.4": "（五）不予处理 4.无正当理由大量反复申请",
    "3.5.5": "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
    "3.6": "（六）其他处理",
    "3.6.1": "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "3.6.2": "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.6.3": "（六）其他处理 3.其他",
    "3.7": "（七）总计",
    "4": "四、结转下年度继续办理",
}
TABLE4_GROUPS = {
    "review": "行政复议",
    "litigation_direct": "行政诉讼·未经复议直接起诉",
    "litigation_after_review": "行政诉讼·复议后起诉",
}
TABLE4_OUTCOMES = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", "total": "总计"}

CROSS_YEAR_CHECKS = {
    "x.carry_over": "本年 二、上年结转 = 上年 四、结转下年度继续办理 (Table 3, each column)",
    "x.in_force": "上年 现行有效 + 本年制发 − 本年废止 = 本年 现行有效 (Table 2)",
}

REPORT_STATUSES = ("ok", "partial", "image_only", "error")

# --- Chinese search: a bigram index, queried with the same segmentation -----------------------

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_HAN}]+|[0-9A-Za-z]+")
_HAN_RE = re.compile(rf"[{_HAN}]")


def segment(text: str | None) -> str:
    """Text as space-separated tokens: overlapping Han bigrams, lower-cased Latin words and numbers.

    FTS5's unicode61 tokenizer then sees each bigram as one token, so any Chinese string of two or
    more characters is a phrase of bigrams (复议 → one token; 行政复议 → "行政 政复 复议").
    Traditional characters are folded to simplified so 復議 is found by 复议.
    """
    if not text:
        return ""
    text = gazetteer.to_simplified(unicodedata.normalize("NFKC", text))
    out: list[str] = []
    for match in _TOKEN_RE.finditer(text):
        run = match.group()
        if _HAN_RE.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run.lower())
    return " ".join(out)


def fts_query(query: str | None) -> str:
    """A user's search words as an FTS5 expression over `segment`ed text (all words must match)."""
    phrases = []
    for word in (query or "").split():
        tokens = segment(word).split()
        if not tokens:
            continue
        # A trailing single Han character is not a token of its own inside a longer run: prefix it.
        last_run = _TOKEN_RE.findall(gazetteer.to_simplified(unicodedata.normalize("NFKC", word)))[-1]
        prefix = " *" if _HAN_RE.match(last_run) and len(last_run) == 1 else ""
        phrases.append('"' + " ".join(tokens) + '"' + prefix)
    return " AND ".join(phrases) if phrases else '"nianbao-empty-query"'


# --- schema ---------------------------------------------------------------------------------

def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create every table, index and view that does not exist yet (safe to call on every build)."""
    tables = set(db.table_names())
    if "meta" not in tables:
        db["meta"].create({"key": str, "value": str}, pk="key")
    if "crawls" not in tables:
        db["crawls"].create(
            {"id": str, "started": str, "finished": str, "captures": int, "reports": int,
             "log_file": str, "log_sha1": str, "parser_version": str, "built_at": str},
            pk="id",
        )
    if "agencies" not in tables:
        db["agencies"].create(
            {"id": int, "name": str, "name_normalised": str, "level": str, "province": str, "city": str,
             "county": str, "parent": str, "adcode": str, "seed_url": str},
            pk="id",
        )
        db["agencies"].create_index(["name_normalised"], unique=True)
    if "reports" not in tables:
        db["reports"].create(
            {"id": str, "agency_id": int, "agency": str, "province": str, "level": str, "year": int,
             "title": str, "url": str,
             "document_url": str, "format": str, "published": str, "template": str,
             "parse_status": str, "parse_reason": str, "parser_version": str, "is_latest": int,
             "warc_file": str, "warc_offset": int, "warc_length": int, "warc_record_id": str,
             "payload_digest": str, "content_type": str, "document_capture_id": str,
             "fetched_at": str, "crawl_id": str, "last_seen_at": str, "last_seen_crawl": str,
             "archived": str, "warnings": str, "text_length": int, "content_digest": str},
            pk="id",
            foreign_keys=[("agency_id", "agencies", "id"), ("crawl_id", "crawls", "id")],
        )
        for cols in (["agency_id", "year"], ["year"], ["parse_status"], ["is_latest", "year"], ["url", "content_digest"],
                     ["province"], ["level"]):
            db["reports"].create_index(cols)
    if "report_texts" not in tables:
        # The full text lives beside the reports, not in them: a thin `reports` keeps counts, facets
        # and sorts over 100,000 reports fast (a text column puts each row on its own pages).
        db["report_texts"].create({"report_id": str, "text": str}, pk="report_id",
                                  foreign_keys=[("report_id", "reports", "id")])
    if "captures" not in tables:
        db["captures"].create(
            {"id": str, "crawl_id": str, "line": int, "url": str, "method": str, "status": int, "role": str,
             "agency": str, "year": int, "seed_agency": str, "seed_url": str, "title": str, "reason": str,
             "parent_url": str, "content_type": str, "payload_digest": str, "warc_file": str,
             "warc_offset": int, "warc_length": int, "warc_record_id": str, "via": str,
             "fetched_at": str, "report_id": str},
            pk="id",
            foreign_keys=[("crawl_id", "crawls", "id"), ("report_id", "reports", "id")],
        )
        for cols in (["crawl_id", "role"], ["url"], ["report_id"], ["role"], ["warc_record_id"]):
            db["captures"].create_index(cols)
    _long_table(db, "table2", "item", "field", "any", TABLE2_ITEMS, TABLE2_FIELDS)
    _long_table(db, "table2_2019", "item", "field", "any", TABLE2_2019_ITEMS, TABLE2_2019_FIELDS)
    _long_table(db, "table3", "row", "col", "integer", TABLE3_ROWS, TABLE3_COLUMNS)
    _long_table(db, "table4", "grp", "outcome", "integer", TABLE4_GROUPS, TABLE4_OUTCOMES)
    if "checks" not in tables:
        db.execute("""create table checks (
  report_id text not null references reports(id), "check" text not null, "where" text not null,
  ok integer, "left" any, "right" any, source text, other_report_id text references reports(id),
  parser_version text,
  primary key (report_id, "check", "where")) without rowid""")
        # Failed checks are few: a partial index finds them (by rule) without indexing every check.
        db.execute('create index idx_checks_failed on checks("check") where ok = 0')
    if "report_figures" not in tables:
        db["report_figures"].create(
            {"report_id": str, "agency_id": int, "agency": str, "province": str, "city": str, "level": str,
             "adcode": str, "year": int, "parse_status": str, "is_latest": int,
             "applications": int, "carried_over": int, "granted": int, "partly_granted": int,
             "refused": int, "cannot_provide": int, "not_processed": int, "other_handling": int,
             "outcomes_total": int, "carried_forward": int, "reviews": int, "reviews_corrected": int,
             "lawsuits": int, "lawsuits_corrected": int, "fees": "ANY", "regulations_in_force": int,
             "normative_documents_in_force": int, "checks_failed": int, "parser_version": str},
            pk="report_id",
            foreign_keys=[("report_id", "reports", "id"), ("agency_id", "agencies", "id")],
        )
        for cols in (["is_latest", "year", "applications"], ["agency_id", "year"], ["province", "year"],
                     ["year", "agency_id"], ["level"], ["parse_status"], ["applications"]):
            db["report_figures"].create_index(cols)
    if "reports_fts" not in tables:
        db.execute("create virtual table reports_fts using fts5(title, agency, body, content='', "
                   "tokenize='unicode61')")
    _views(db)
    if db["meta"].count == 0:
        db["meta"].insert_all([{"key": "schema_version", "value": str(SCHEMA_VERSION)},
                               {"key": "segmenter_version", "value": str(SEGMENTER_VERSION)}])
    _ensure_segmenter_current(db)


def _long_table(db, name: str, outer: str, inner: str, value_type: str, outer_labels: dict,
                inner_labels: dict) -> None:
    """A long-form table keyed (report_id, outer code, inner code), without rowid (the key is the
    table). The printed labels are generated columns: shown and queryable, never stored per cell."""
    if name in db.table_names():
        return

    def label(column: str, labels: dict) -> str:
        cases = " ".join(f"when '{code}' then '{text.replace(chr(39), chr(39) * 2)}'" for code, text in labels.items())
        return f"{column}_label text generated always as (case {column} {cases} end) virtual"

    db.execute(f"""create table [{name}] (
  report_id text not null references reports(id), [{outer}] text not null, [{inner}] text not null,
  value {value_type}, {label(outer, outer_labels)}, {label(inner, inner_labels)},
  provenance text, parser_version text,
  primary key (report_id, [{outer}], [{inner}])) without rowid""")


def _views(db) -> None:
    cols = ",\n  ".join(f"max(case when col = '{c}' then value end) as [{c}]" for c in TABLE3_COLUMNS)
    order = " ".join(f"when '{code}' then {i}" for i, code in enumerate(TABLE3_ROWS))
    _ensure_view(db, "table3_wide", f"""
select report_id, row, row_label,
  {cols}
from table3 group by report_id, row order by report_id, case row {order} end""")
    _ensure_view(db, "latest_reports", """
select f.report_id, f.agency, f.province, f.city, f.level, f.adcode, f.year, f.parse_status,
  f.applications, f.granted, f.partly_granted, f.refused, f.cannot_provide, f.reviews, f.lawsuits,
  f.fees, f.checks_failed, r.title, r.url, r.document_url, r.format, r.published, r.archived
from report_figures f join reports r on r.id = f.report_id where f.is_latest = 1""")
    _ensure_view(db, "failed_checks", """
select c.report_id, r.agency, r.year, c."check", c."where", c."left", c."right", c.source,
  c.other_report_id, r.url, r.archived
from checks c join reports r on r.id = c.report_id where c.ok = 0""")


def _ensure_view(db, name: str, select: str) -> None:
    """Create the view, or replace it when its definition changed (views hold no data)."""
    sql = f"CREATE VIEW [{name}] AS {select}"
    row = db.execute("select sql from sqlite_master where type = 'view' and name = ?", [name]).fetchone()
    if row and row[0] == sql:
        return
    if row:
        db.execute(f"drop view [{name}]")
    db.execute(sql)


def _meta(db, key: str) -> str | None:
    row = db.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def schema_version(db) -> str | None:
    return _meta(db, "schema_version")


def _set_meta(db, key: str, value: str) -> None:
    db["meta"].upsert({"key": key, "value": value}, pk="key")


def _ensure_segmenter_current(db) -> None:
    """A contentless index can only be edited with the tokens it was given: rebuild it if they change."""
    if _meta(db, "segmenter_version") == str(SEGMENTER_VERSION):
        return
    db.execute("delete from reports_fts")
    db.execute("insert into reports_fts(reports_fts) values('delete-all')")
    for rowid, title, agency, text in db.execute(_OLD_SQL.replace("where r.id = ?", "")).fetchall():
        _fts_insert(db, rowid, title, agency, text)
    _set_meta(db, "segmenter_version", str(SEGMENTER_VERSION))


_OLD_SQL = ("select r.rowid, r.title, r.agency, t.text from reports r left join report_texts t on t.report_id = r.id "
            "where r.id = ?")


def _fts_insert(db, rowid: int, title, agency, text) -> None:
    db.execute("insert into reports_fts(rowid, title, agency, body) values (?, ?, ?, ?)",
               [rowid, segment(title), segment(agency), segment(text)])


def _fts_delete(db, rowid: int, title, agency, text) -> None:
    db.execute("insert into reports_fts(reports_fts, rowid, title, agency, body) values('delete', ?, ?, ?, ?)",
               [rowid, segment(title), segment(agency), segment(text)])


# --- saves ----------------------------------------------------------------------------------

def stable_id(*parts: Any, size: int = 16) -> str:
    """A short deterministic id: the same inputs give the same row on every rebuild."""
    return hashlib.sha1("\n".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:size]


def save_crawl(db, crawl: Mapping[str, Any]) -> None:
    db["crawls"].upsert(dict(crawl), pk="id")


def save_captures(db, captures: Iterable[Mapping[str, Any]]) -> None:
    db["captures"].upsert_all([dict(c) for c in captures], pk="id")


def save_agency(db, name: str, *, seed: Mapping[str, Any] | None = None) -> int:
    """The agency's id, creating or completing its row (a seed's adcode/level/parent win)."""
    norm = gazetteer.normalise_name(name)
    seed = seed or {}
    placement = gazetteer.place(norm, adcode=seed.get("adcode") or None, level=seed.get("level") or None,
                                parent=seed.get("parent") or None)
    row = {"name": name, "name_normalised": norm, "level": placement.level, "province": placement.province,
           "city": placement.city, "county": placement.county, "parent": placement.parent,
           "adcode": placement.adcode, "seed_url": seed.get("url")}
    existing = db.execute("select id, name, seed_url from agencies where name_normalised = ?", [norm]).fetchone()
    if existing:
        agency_id, first_name, seed_url = existing
        row["name"] = first_name
        row["seed_url"] = row["seed_url"] or seed_url
        db["agencies"].update(agency_id, row)
        return agency_id
    return db["agencies"].insert(row).last_pk


def save_report(db, report: Mapping[str, Any], parsed: Mapping[str, Any] | None) -> None:
    """Upsert one report version and replace every row derived from its parse."""
    report = dict(report)
    report_id = report["id"]
    version = report.get("parser_version")
    text = report.pop("text", None)
    report["text_length"] = len(text) if text else None
    old = db.execute(_OLD_SQL, [report_id]).fetchone()
    if old:
        _fts_delete(db, *old)
    db["reports"].upsert(report, pk="id")
    db["report_texts"].upsert({"report_id": report_id, "text": text}, pk="report_id")
    rowid = db.execute("select rowid from reports where id = ?", [report_id]).fetchone()[0]
    _fts_insert(db, rowid, report.get("title"), report.get("agency"), text)
    for table in ("table2", "table2_2019", "table3", "table4", "checks"):
        db.execute(f"delete from [{table}] where report_id = ?", [report_id])
    if not parsed:
        return
    provenance = parsed.get("provenance") or {}
    db["table2"].insert_all(_cells(report_id, version, parsed.get("table2"), provenance.get("table2"),
                                   ("item", "field"), TABLE2_ITEMS, TABLE2_FIELDS))
    db["table2_2019"].insert_all(_cells(report_id, version, parsed.get("table2_2019"),
                                        provenance.get("table2_2019"), ("item", "field"),
                                        TABLE2_2019_ITEMS, TABLE2_2019_FIELDS))
    db["table3"].insert_all(_cells(report_id, version, parsed.get("table3"), provenance.get("table3"),
                                   ("row", "col"), TABLE3_ROWS, TABLE3_COLUMNS))
    db["table4"].insert_all(_cells(report_id, version, parsed.get("table4"), provenance.get("table4"),
                                   ("grp", "outcome"), TABLE4_GROUPS, TABLE4_OUTCOMES))
    checks = {}
    for check in parsed.get("checks") or []:
        key = (str(check.get("check")), str(check.get("where")))
        checks[key] = {"report_id": report_id, "check": key[0], "where": key[1], "ok": int(bool(check.get("ok"))),
                       "left": check.get("left"), "right": check.get("right"), "source": "report",
                       "other_report_id": None, "parser_version": version}
    db["checks"].insert_all(checks.values(), replace=True)


def delete_report(db, report_id: str) -> None:
    old = db.execute(_OLD_SQL, [report_id]).fetchone()
    if not old:
        return
    _fts_delete(db, *old)
    for table in ("table2", "table2_2019", "table3", "table4", "report_figures", "report_texts"):
        db.execute(f"delete from [{table}] where report_id = ?", [report_id])
    db.execute("delete from checks where report_id = ? or other_report_id = ?", [report_id, report_id])
    db.execute("update captures set report_id = null where report_id = ?", [report_id])
    db.execute("delete from reports where id = ?", [report_id])


def _cells(report_id, version, table, provenance, keys, outer_labels, inner_labels) -> list[dict]:
    """Long-form rows of one nested table ({outer: {inner: value}}); a missing table gives none."""
    if not isinstance(table, Mapping):
        return []
    rows = []
    for outer, inner in table.items():
        if not isinstance(inner, Mapping):  # a row the report does not print: no cells
            continue
        prov_outer = (provenance or {}).get(outer) or {}
        for code, value in inner.items():
            prov = prov_outer.get(code) if isinstance(prov_outer, Mapping) else None
            rows.append({"report_id": report_id, keys[0]: outer, keys[1]: code, "value": value,
                         "provenance": json.dumps(prov, ensure_ascii=False, sort_keys=True) if prov else None,
                         "parser_version": version})
    return rows


# --- derived across reports -----------------------------------------------------------------

def mark_latest(db) -> None:
    """One current version per agency and year: the last fetched among the best-parsed."""
    db.execute("update reports set is_latest = 0")
    db.execute("""
update reports set is_latest = 1 where id in (
  select id from (
    select id, row_number() over (
      partition by agency_id, year
      order by case parse_status when 'ok' then 0 when 'partial' then 1 when 'image_only' then 2 else 3 end,
               fetched_at desc, id) as n
    from reports where agency_id is not null and year is not null)
  where n = 1)""")
    db.execute("update reports set is_latest = 1 where agency_id is null or year is null")


def refresh_figures(db, report_ids: Iterable[str] | None = None) -> None:
    """Rebuild the wide headline-figures rows (all of them, or only `report_ids`)."""
    where, params = "", []
    if report_ids is not None:
        ids = list(report_ids)
        if not ids:
            return
        db.execute("create temp table if not exists _ids(id text primary key)")
        db.execute("delete from _ids")
        db.executemany("insert or ignore into _ids values (?)", [[i] for i in ids])
        where = "where r.id in (select id from _ids)"
        db.execute("delete from report_figures where report_id in (select id from _ids)")
    else:
        db.execute("delete from report_figures")

    def t3(rows: str) -> str:
        codes = ", ".join(f"'{r}'" for r in rows.split())
        return (f"(select sum(value) from table3 t where t.report_id = r.id and t.col = 'total' "
                f"and t.row in ({codes}))")

    def t4(groups: str, outcome: str) -> str:
        codes = ", ".join(f"'{g}'" for g in groups.split())
        return (f"(select sum(value) from table4 t where t.report_id = r.id and t.outcome = '{outcome}' "
                f"and t.grp in ({codes}))")

    def t2(item: str, field: str) -> str:
        return (f"(select value from table2 t where t.report_id = r.id and t.item = '{item}' "
                f"and t.field = '{field}')")

    refused = " ".join(f"3.3.{i}" for i in range(1, 9))
    db.execute(f"""
insert into report_figures
select r.id, r.agency_id, r.agency, a.province, a.city, a.level, a.adcode, r.year, r.parse_status, r.is_latest,
  {t3("1")}, {t3("2")}, {t3("3.1")}, {t3("3.2")}, {t3(refused)}, {t3("3.4.1 3.4.2 3.4.3")},
  {t3("3.5.1 3.5.2 3.5.3 3.5.4 3.5.5")}, {t3("3.6 3.6.1 3.6.2 3.6.3")}, {t3("3.7")}, {t3("4")},
  {t4("review", "total")}, {t4("review", "corrected")},
  {t4("litigation_direct litigation_after_review", "total")},
  {t4("litigation_direct litigation_after_review", "corrected")},
  coalesce({t2("fees", "amount")}, (select value from table2_2019 t where t.report_id = r.id
                                     and t.item = 'fees' and t.field = 'amount')),
  {t2("regulations", "in_force")}, {t2("normative_documents", "in_force")},
  (select count(*) from checks c where c.report_id = r.id and c.ok = 0), r.parser_version
from reports r left join agencies a on a.id = r.agency_id {where}""", params)


def refresh_latest_flags(db) -> None:
    db.execute("update report_figures set is_latest = (select is_latest from reports r where r.id = report_id)")


def save_cross_year_checks(db) -> None:
    """Checks one report cannot make alone: each latest report against the same agency's previous year."""
    db.execute("delete from checks where source = 'cross_year'")
    pairs = """
with latest as (select id, agency_id, year, parser_version from reports where is_latest = 1
                and agency_id is not null and year is not null),
pairs as (select cur.id as cur_id, prev.id as prev_id, cur.parser_version as version
          from latest cur join latest prev on prev.agency_id = cur.agency_id and prev.year = cur.year - 1)
"""
    db.execute(pairs + """
insert into checks (report_id, "check", "where", ok, "left", "right", source, other_report_id, parser_version)
select p.cur_id, 'x.carry_over', c.col,
  coalesce(c.value, 0) = coalesce(l.value, 0), c.value, l.value, 'cross_year', p.prev_id, p.version
from pairs p
join table3 c on c.report_id = p.cur_id and c.row = '2'
join table3 l on l.report_id = p.prev_id and l.row = '4' and l.col = c.col""")
    db.execute(pairs + """
insert into checks (report_id, "check", "where", ok, "left", "right", source, other_report_id, parser_version)
select p.cur_id, 'x.in_force', i.item,
  coalesce(prev_in.value, 0) + coalesce(iss.value, 0) - coalesce(rep.value, 0) = coalesce(i.value, 0),
  coalesce(prev_in.value, 0) + coalesce(iss.value, 0) - coalesce(rep.value, 0), i.value,
  'cross_year', p.prev_id, p.version
from pairs p
join table2 i on i.report_id = p.cur_id and i.field = 'in_force'
join table2 prev_in on prev_in.report_id = p.prev_id and prev_in.item = i.item and prev_in.field = 'in_force'
left join table2 iss on iss.report_id = p.cur_id and iss.item = i.item and iss.field = 'issued'
left join table2 rep on rep.report_id = p.cur_id and rep.item = i.item and rep.field = 'repealed'""")


def record_resolver(db):
    """WARC-Record-ID → (warc_file, warc_offset) of a capture, for following revisit records."""
    def resolve(record_id: str):
        row = db.execute("select warc_file, warc_offset from captures where warc_record_id = ? "
                         "and warc_file is not null limit 1", [record_id]).fetchone()
        return (row[0], row[1]) if row else None
    return resolve
