"""Text normalisation shared by every format: width, spaces, traditional characters, pinyin, values.

Real reports arrive with full-width digits, U+3000 and &nbsp; padding, traditional characters on
mirror copies, and pinyin glosses such as ``瀏陽(yáng)``. Everything is folded here once, so the
table layer only ever sees one spelling.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

# Characters that OpenCC's t2s changes (from its own TSCharacters dictionary, minus those that are
# also ordinary simplified characters). One in a cell, or three in a document, means traditional.
_TRADITIONAL_FALLBACK = frozenset(
    "開關為報與機處結數務這項會個國時們說過還對發經義學體實現間問題無從區總進應給條門見長專業東車鄉縣網計"
    "請單號歷統讓認據產約證覽權員辦資訊護審議聯環規範準劃療衛醫藥稅財營經濟農業鐵線險雙寫訴訟擔負責級"
)


def _traditional_markers() -> frozenset[str]:
    try:
        import opencc

        path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
        chars = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if len(key) == 1 and values and key not in values.split():
                chars.add(key)
        # keep out characters that are also everyday simplified (t2s would map them in context only)
        return frozenset(chars - set("著乾藉麼甚于後台面干里系发制历冲"))
    except (ImportError, OSError):
        return _TRADITIONAL_FALLBACK


_TRADITIONAL_MARKERS = _traditional_markers()

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# A pinyin gloss right after a CJK character: 陽(yáng), 報(bào). Needs a tone mark (or ü) so that
# real brackets such as (一), (单位:万元) or (APP) are never touched.
_PINYIN = re.compile(
    r"(?<=[\u3400-\u9fff])[(（]\s*(?=[a-zA-Z " + _TONED + r"]*[" + _TONED + r"])"
    r"[a-zA-Z" + _TONED + r"]{1,7}(?: [a-zA-Z" + _TONED + r"]{1,7}){0,3}\s*[)）]"  # 陽(yáng), 瀏陽(liú yáng)
)

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")


@lru_cache(maxsize=1)
def _opencc():
    from opencc import OpenCC

    return OpenCC("t2s")


def looks_traditional(text: str, threshold: int = 3) -> bool:
    hits = 0
    for ch in text:
        if ch in _TRADITIONAL_MARKERS:
            hits += 1
            if hits >= threshold:
                return True
    return False


def strip_pinyin(text: str) -> str:
    return _PINYIN.sub("", text)


def normalize_document(text: str, threshold: int = 3) -> str:
    """Whole-document pass: NFKC width folding, pinyin glosses removed, traditional to simplified."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u00a0", " ").replace("\u3000", " ").replace("\ufeff", "")
    if "(" in text:
        text = strip_pinyin(text)
    if looks_traditional(text, threshold):
        text = _opencc().convert(text)
    return text


def normalize_cell(text: str) -> str:
    """One cell's text: like normalize_document (one traditional-only character is enough in a
    short cell), with runs of white space collapsed to one space. Short cells are cached."""
    if len(text) <= 200:
        return _normalize_cell_cached(text)
    return _normalize_cell(text)


@lru_cache(maxsize=65536)
def _normalize_cell_cached(text: str) -> str:
    return _normalize_cell(text)


def _normalize_cell(text: str) -> str:
    if not text.isascii():
        text = normalize_document(text, threshold=1)
    return _SPACES.sub(" ", text).strip()


# ---------------------------------------------------------------- label keys

_ENUMERATOR = re.compile(
    r"\([一二三四五六七八九十]{1,3}\)|[一二三四五六七八九十]{1,3}[、.]|\(\d{1,2}\)|(?<![\d])\d{1,2}(?:[.、](?!\d)|\))"
)
_PUNCT = re.compile(r"[\s()\[\]{}<>《》〈〉【】「」『』“”\"'‘’`、,，.。:：;；!！?？\-—–_~/|·*+=…]+")


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """The comparable core of a label: no spaces, no enumerators like (一)/1./三、, no punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub("", text)
    text = _ENUMERATOR.sub("", text)
    return _PUNCT.sub("", text)


# ---------------------------------------------------------------- values

NULL_MARKERS = frozenset({"", "-", "--", "---", "—", "——", "/", "//", "\\", "无", "空", "/ ", "－", "一", "x", "X", "×"})
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_UNIT = re.compile(r"(?:件|个|项|宗|次|条|万元|元)$")

BLANK = "blank"  # an empty or placeholder cell: a value of null
NUMBER = "number"
TEXT = "text"


@lru_cache(maxsize=65536)
def classify_value(text: str) -> tuple[str, int | float | None]:
    """(kind, value) of a cell's text: ("number", 12), ("blank", None) or ("text", None)."""
    t = _SPACES.sub("", text)
    if t in NULL_MARKERS:
        return BLANK, None
    t = t.replace("−", "-").replace("－", "-")
    if _UNIT.search(t) and len(t) > 1:
        stripped = _UNIT.sub("", t)
        if _NUMBER.match(stripped) or _THOUSANDS.match(stripped):
            t = stripped
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    if not _NUMBER.match(t):
        return TEXT, None
    if "." in t:
        try:
            d = Decimal(t)
        except InvalidOperation:
            return TEXT, None
        if d == d.to_integral_value():
            return NUMBER, int(d)
        return NUMBER, float(d)
    return NUMBER, int(t)
