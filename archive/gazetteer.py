"""Administrative division codes (GB/T 2260) for agencies, so researchers can join other data.

The table ships in ``archive/data/adcodes.csv`` (see ``archive/data/SOURCE.md``): no network at
run time. An agency is placed by the place names its own name starts with (``益阳市人民政府办公室``
→ 益阳市 430900); a seed list's ``adcode``/``level``/``parent`` win where given.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "adcodes.csv"

#: Suffixes that make an agency a government (not one of its departments).
_GOVERNMENT_SUFFIXES = ("人民政府",)
_TOWNSHIP_RE = re.compile(r"(乡|镇|街道)(人民政府|办事处)$|街道办事处$")
_WS_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Division:
    adcode: str
    name: str

    @property
    def level(self) -> str:
        if self.adcode.endswith("0000"):
            return "province"
        if self.adcode.endswith("00"):
            return "city"
        return "county"


@dataclass(frozen=True)
class Placement:
    """Where an agency sits: its area's code and names, its level and the government above it."""

    adcode: str | None
    province: str | None
    city: str | None
    county: str | None
    level: str | None
    parent: str | None


def normalise_name(name: str | None) -> str:
    """The form agencies are matched on: NFKC, no whitespace, simplified characters."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name)
    text = _WS_RE.sub("", text)
    return to_simplified(text)


@lru_cache(maxsize=1)
def _converter():
    try:
        import opencc  # opencc-python-reimplemented: pure Python, dictionaries bundled
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    conv = _converter()
    return conv.convert(text) if conv else text


@lru_cache(maxsize=1)
def divisions() -> dict[str, Division]:
    with DATA.open(encoding="utf-8", newline="") as f:
        return {row["adcode"]: Division(row["adcode"], row["name"]) for row in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _by_name() -> dict[str, list[Division]]:
    index: dict[str, list[Division]] = {}
    for div in divisions().values():
        # A municipality's 110100 "北京市" duplicates 110000: keep the province only.
        if div.level == "city" and div.name == divisions().get(div.adcode[:2] + "0000", div).name and div.adcode[:2] + "0000" != div.adcode:
            continue
        index.setdefault(div.name, []).append(div)
    return index


def _contains(outer: Division, inner: Division) -> bool:
    if outer.level == "province":
        return inner.adcode[:2] == outer.adcode[:2]
    if outer.level == "city":
        return inner.adcode[:4] == outer.adcode[:4]
    return False


def locate(name: str) -> Division | None:
    """The most specific division the name starts with (``湖南省益阳市赫山区…`` → 赫山区).

    A name shared by several divisions (鼓楼区) is only accepted inside an enclosing division
    already named, or when exactly one division has it.
    """
    text = normalise_name(name)
    index = _by_name()
    longest = max((len(k) for k in index), default=0)
    pos, found = 0, None
    while pos < len(text):
        match = None
        for size in range(min(longest, len(text) - pos), 1, -1):
            candidates = index.get(text[pos : pos + size])
            if not candidates:
                continue
            if found is not None:
                candidates = [c for c in candidates if _contains(found, c)]
            if len(candidates) == 1:
                match = candidates[0]
                break
        if match is None:
            break
        found, pos = match, pos + len(match.name)
    return found


def _names(adcode: str) -> tuple[str | None, str | None, str | None]:
    table = divisions()
    province = table.get(adcode[:2] + "0000")
    city = table.get(adcode[:4] + "00") if not adcode.endswith("0000") else None
    if city is not None and province is not None and city.name == province.name:
        city = None  # municipality: no prefecture level
    county = table.get(adcode) if not adcode.endswith("00") else None
    return (province.name if province else None, city.name if city else None, county.name if county else None)


def place(name: str, *, adcode: str | None = None, level: str | None = None, parent: str | None = None) -> Placement:
    """Place an agency: area from ``adcode`` (a seed's) or from its name; level and parent from its name."""
    norm = normalise_name(name)
    division = divisions().get(adcode) if adcode else None
    if division is None:
        division = locate(norm)
    code = division.adcode if division else (adcode or None)
    province, city, county = _names(code) if code else (None, None, None)
    guessed_level, guessed_parent = _level_and_parent(norm, division)
    return Placement(code, province, city, county, level or guessed_level, parent or guessed_parent)


def _level_and_parent(norm: str, division: Division | None) -> tuple[str | None, str | None]:
    if _TOWNSHIP_RE.search(norm):
        return "township", (division.name + "人民政府") if division else None
    if division is None:
        return _guess_without_gazetteer(norm)
    rest = norm[norm.find(division.name) + len(division.name) :] if division.name in norm else None
    if rest in _GOVERNMENT_SUFFIXES or rest == "":
        return division.level, _parent_government(division)
    return "department", division.name + "人民政府"


_PLACE_RE = re.compile(r"^(.+?(?:自治区|自治州|自治县|省|市|州|盟|地区|县|旗|区))(.*)$")


def _guess_without_gazetteer(norm: str) -> tuple[str | None, str | None]:
    """An area the gazetteer does not know (a new or made-up name): level and parent from its form."""
    m = _PLACE_RE.match(norm)
    if not m:
        return None, None
    area, rest = m.groups()
    if rest in _GOVERNMENT_SUFFIXES:
        if area.endswith(("省", "自治区")):
            return "province", None
        if area.endswith(("县", "旗", "区", "自治县")):
            return "county", None
        return None, None  # a 市 may be prefecture- or county-level
    return "department", area + "人民政府"


def _parent_government(division: Division) -> str | None:
    table = divisions()
    if division.level == "province":
        return None
    up = table.get(division.adcode[:4] + "00") if division.level == "county" else None
    if up is None or up.name == table.get(division.adcode[:2] + "0000", up).name or up.adcode == division.adcode:
        up = table.get(division.adcode[:2] + "0000")
    return (up.name + "人民政府") if up else None
