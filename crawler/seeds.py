"""The seed list (shared/spec/seeds.md): CSV with agency, url, and optional adcode, level, parent,
notes. A seed may override robots.txt only with a recorded reason: a ``robots`` column
(``ignore: <reason>``) or a note ``robots: ignore <reason>`` / ``忽略robots <reason>``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

_ROBOTS_NOTE = re.compile(r"robots(?:\.txt)?\s*[:：=]\s*(?:ignore|override|忽略)\s*[-—:：,，]?\s*(?P<reason>.+)"
                          r"|忽略\s*robots(?:\.txt)?\s*[-—:：,，]?\s*(?P<reason2>.+)", re.I)


class SeedError(ValueError):
    pass


@dataclass(frozen=True)
class Seed:
    agency: str
    url: str
    adcode: str = ""
    level: str = ""
    parent: str = ""
    notes: str = ""
    robots_override: str | None = None  # the recorded reason, when robots.txt is not obeyed


def robots_override_reason(robots_field: str, notes: str) -> str | None:
    field = (robots_field or "").strip()
    if field:
        m = re.match(r"(?:ignore|override|忽略)\s*[:：\-—]?\s*(.*)", field, re.I)
        if m:
            reason = m.group(1).strip()
            if not reason:
                raise SeedError(f"robots override without a reason: {field!r}")
            return reason
    m = _ROBOTS_NOTE.search(notes or "")
    if m:
        reason = (m.group("reason") or m.group("reason2") or "").strip()
        return reason or None
    return None


def read_seeds(path: str | Path) -> list[Seed]:
    """Rows of a seed CSV; a row without agency or an http(s) url is an error naming its line."""
    seeds: list[Seed] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "agency" not in reader.fieldnames or "url" not in reader.fieldnames:
            raise SeedError(f"{path}: the header must name at least 'agency' and 'url'")
        for n, row in enumerate(reader, start=2):
            agency = (row.get("agency") or "").strip()
            url = (row.get("url") or "").strip()
            if not agency and not url:
                continue
            if not agency or not re.match(r"https?://[^/]+", url):
                raise SeedError(f"{path}:{n}: a seed needs an agency and an http(s) url (got {agency!r}, {url!r})")
            notes = (row.get("notes") or "").strip()
            seeds.append(Seed(agency, url, (row.get("adcode") or "").strip(), (row.get("level") or "").strip(),
                              (row.get("parent") or "").strip(), notes,
                              robots_override_reason(row.get("robots") or "", notes)))
    return seeds
