"""What a format module hands to the format-independent layer."""

from __future__ import annotations

from dataclasses import dataclass, field


class ParseError(Exception):
    """A document that cannot be read (encrypted, truncated, not what it claims): status `error`."""


@dataclass
class Extracted:
    format: str
    stream: list = field(default_factory=list)  # Cells with ROW_END/BLOCK_END markers, reading order
    lines: list[str] = field(default_factory=list)  # the document's text, line by line
    text: str | None = None  # main text for full-text search (defaults to the lines)
    title_candidates: list[str] = field(default_factory=list)  # best first
    meta_dates: list[str] = field(default_factory=list)
    image_only: str | None = None  # why the document looks like images only
    warnings: list = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)  # document links of an HTML page (href, absolute when possible)
