"""The farm's "next year" step: the same portals one spring later.

`next_year(seed, last=..., now=...)` gives the web as a crawler saw it on `last` and as it stands
on `now` (None: everything published), plus what changed between the two, for re-crawl tests:

* **new** reports: published after `last` (the `as_of` mechanism of farm.generate);
* **revised** reports: one older report per portal, published in its page, corrected in place
  (same URL, a 更正说明 paragraph added to the report text: new bytes, new ETag, new Last-Modified);
* **removed** reports: one older report per portal taken down (not listed any more, its page 404);
* **deleted** reports: one older report per portal whose page was deleted but whose list entry
  stayed (a broken link: the page answers 404);
* **moved** columns: on a portal whose lists are addressed by a column id (the Anhui platform's
  ``list.html?catId=``), one department column gets a new id: its old URL answers 404 (a seed
  or a remembered column URL that points there is stale), its parent and home link the new one,
  and its reports keep their URLs;
* every other page keeps its URL, bytes and validators, so a crawler can get 304s.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from farm.generate import Farm, build_farm
from farm.model import Resource
from farm.portals.base import Article, Portal, noon

LAST_SPRING = dt.date(2024, 6, 30)
CORRECTION = ('<p class="correction">更正说明：{day}，本报告第三部分表格数据经核对后更正，'
              '特此说明。</p>')


@dataclass
class YearChanges:
    """Report page URLs by what happened to them between the two springs."""

    new: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    moved_columns: list[tuple[str, str]] = field(default_factory=list)  # (old URL, new URL)

    def as_dict(self) -> dict:
        return {"new": self.new, "revised": self.revised, "removed": self.removed, "deleted": self.deleted,
                "moved_columns": self.moved_columns}


def _candidates(portal: Portal, last: dt.date) -> list[Article]:
    """Older reports that can change without changing anything else (no repost copies them, not pinned)."""
    copied = {id(a.extra.get("repost_of")) for a in portal.articles() if a.extra.get("repost_of") is not None}
    pinned = {id(c.extra.get("pinned")) for c in portal.all_columns() if c.extra.get("pinned") is not None}
    return [a for a in portal.articles()
            if a.kind == "report" and a.published <= last and id(a) not in copied and id(a) not in pinned
            and not a.extra.get("browser_only")]


class _Editor:
    """Chooses, per portal, one report to revise and one to remove (deterministic by seed and host)."""

    def __init__(self, seed: int, last: dt.date, revised_on: dt.date, hosts: set[str] | None) -> None:
        self.seed = seed
        self.last = last
        self.revised_on = revised_on
        self.hosts = hosts
        self.revised: list[tuple[Portal, Article]] = []
        self.removed: list[tuple[Portal, Article]] = []
        self.deleted: list[tuple[Portal, Article]] = []

    def __call__(self, portal: Portal) -> None:
        if self.hosts is not None and portal.host not in self.hosts:
            return
        pool = sorted(_candidates(portal, self.last), key=lambda a: (a.published, a.seq, a.title))
        if len(pool) < 3:
            return
        rng = random.Random(f"{self.seed}:nextyear:{portal.host}")
        in_page = [a for a in pool if a.delivery == "html"]  # the correction is then part of the report
        if not in_page:
            return
        revise = rng.choice(in_page)
        remove, delete = rng.sample([a for a in pool if a is not revise], 2)
        revise.body += "\n" + CORRECTION.format(day=f"{self.revised_on:%Y年%m月%d日}")
        revise.extra["revised_on"] = self.revised_on
        for col in portal.all_columns():
            if remove in col.articles:
                col.articles.remove(remove)
        self.revised.append((portal, revise))
        self.removed.append((portal, remove))
        self.deleted.append((portal, delete))


def move_column(portal: Portal) -> tuple[str, str] | None:
    """Give a department column of an id-addressed portal a new id; (old URL, new URL) or None."""
    movable = [c for c in portal.all_columns() if "cat" in c.extra and c.key.startswith("dept:")]
    if not movable or not portal.columns:
        return None
    col = movable[0]
    old_path = col.path
    for path in [p for p in portal.site.routes if p == old_path or p.startswith(f"{old_path}&")]:
        del portal.site.routes[path]
    col.extra["cat"] += 100_000
    col.path = old_path.split("catId=")[0] + f"catId={col.extra['cat']}"
    portal.register_column(col)
    for parent in portal.all_columns():
        if col in parent.children:
            portal.register_column(parent)
    portal.register_home()
    return portal.url(old_path), portal.url(col.path)


def _identity(portal: Portal, art: Article) -> tuple:
    """The same article in two builds of the farm (a removed one has no path in the later build)."""
    return portal.host, art.agency.name, art.title, art.published


def _report_urls(farm: Farm) -> set[str]:
    return {p.url(a.path) for p in farm.portals for a in p.articles() if a.kind == "report"}


def next_year(seed: int = 20240101, *, last: dt.date = LAST_SPRING, now: dt.date | None = None,
              hosts: set[str] | None = None) -> tuple[Farm, Farm, YearChanges]:
    """(the farm as of `last`, the farm as of `now`, what changed); `hosts` limits the edits."""
    before = build_farm(seed, as_of=last)
    revised_on = now or dt.date(last.year + 1, 3, 15)
    editor = _Editor(seed, last, revised_on, hosts)
    after = build_farm(seed, as_of=now, edit=editor)
    for portal, art in editor.revised:  # the correction is dated: the page's Last-Modified moves too
        old = portal.site.lookup(art.path)
        if old is not None:
            portal.site.add(art.path, Resource(old.content_type, old.body, noon(revised_on)))
    for portal, art in editor.deleted:  # the list still links it
        portal.site.routes.pop(art.path, None)
    where = {_identity(p, a): p.url(a.path) for p in before.portals for a in p.articles()}
    moved = [move_column(p) for p in after.portals if hosts is None or p.host in hosts]
    changes = YearChanges(
        new=sorted(_report_urls(after) - _report_urls(before)),
        revised=sorted(p.url(a.path) for p, a in editor.revised),
        removed=sorted(where[_identity(p, a)] for p, a in editor.removed),
        deleted=sorted(p.url(a.path) for p, a in editor.deleted),
        moved_columns=sorted(m for m in moved if m),
    )
    return before, after, changes
