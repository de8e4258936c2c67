"""Simplified ↔ traditional conversion and the mirror sites' pinyin annotations (瀏陽(yáng)市).

The annotation style is learnt from the shared liuyang seed, a real mirror copy: the characters it
annotates, with the readings it gives, and its choice of traditional forms (行政復議, not 複議).
"""

from __future__ import annotations

import functools
import re

import opencc

from farm.reports import DATA_DIR

MIRROR_SEED = "liuyang-city-2023-traditional-pinyin"
_ANNOTATED = re.compile(r"(\w)\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+)\)")


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@functools.cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


@functools.cache
def _mirror_style() -> tuple[dict[str, str], dict[str, str]]:
    """(traditional char → pinyin, simplified char → the traditional form the mirror uses)."""
    text = (DATA_DIR / f"{MIRROR_SEED}.txt").read_text(encoding="utf-8")
    readings: dict[str, str] = {}
    for char, reading in _ANNOTATED.findall(text):
        readings.setdefault(char, reading)
    forms: dict[str, str] = {}
    plain = _ANNOTATED.sub(r"\1", text)
    for char in plain:  # 關 teaches 关→關
        simple = to_simplified(char)
        if len(simple) == 1 and simple != char:
            forms.setdefault(simple, char)
    for char in plain:  # 于, printed as is, teaches 于→于 (not opencc's 於)
        if to_simplified(char) == char:
            forms.setdefault(char, char)
    return readings, forms


def to_traditional(text: str) -> str:
    """Traditional characters, preferring the forms the real mirror copy uses."""
    _, forms = _mirror_style()
    converted = _s2t().convert(text)
    return "".join(forms.get(s, t) if len(s) == 1 else t for s, t in zip(text, converted, strict=False)) if len(
        converted
    ) == len(text) else converted


def annotate_pinyin(traditional_text: str) -> str:
    """Add the mirror's pinyin after the characters it annotates: 瀏陽市 → 瀏陽(yáng)市."""
    readings, _ = _mirror_style()
    return "".join(f"{ch}({readings[ch]})" if ch in readings else ch for ch in traditional_text)


def mirror_text(simplified_text: str) -> str:
    return annotate_pinyin(to_traditional(simplified_text))
