"""Chinese full-text search that finds two-character words (复议, 信访).

`nianbao build` indexes reports as Han bigrams (archive.db.segment): FTS5's trigram tokenizer
cannot match fewer than three characters, and unicode61 would take a whole run of Han characters
as one token. The query must be segmented the same way, so this plugin replaces the SQL function
``escape_fts`` that Datasette's table search (``?_search=``) wraps the user's words in: 复议 becomes
the phrase ``"复议"``, 行政复议 becomes ``"行政 政复 复议"``. It is registered last (``trylast``)
so it wins over Datasette's own. Canned queries use ``nianbao_fts(:q)`` and
``nianbao_snippet(text, :q)``.
"""

from __future__ import annotations

import unicodedata

from archive.db import fts_query
from archive.gazetteer import to_simplified
from datasette import hookimpl

SNIPPET_CONTEXT = 40


def snippet(text: str | None, query: str | None, context: int = SNIPPET_CONTEXT) -> str | None:
    """The text around the first search word found, the word in 【】."""
    if not text or not query:
        return None
    words = [to_simplified(unicodedata.normalize("NFKC", w.strip('"'))) for w in query.split()]
    words = [w for w in words if w]
    for haystack in (text, None):  # as written first; folding a whole report is slow, so only if needed
        if haystack is None:
            haystack = to_simplified(unicodedata.normalize("NFKC", text))
        at, word = next(((haystack.find(w), w) for w in words if haystack.find(w) >= 0), (-1, ""))
        if at >= 0:
            start, end = max(0, at - context), min(len(text), at + len(word) + context)
            return (("…" if start else "") + text[start:at] + "【" + text[at : at + len(word)] + "】"
                    + text[at + len(word) : end] + ("…" if end < len(text) else "")).replace("\n", " ")
    return text[: 2 * context].replace("\n", " ") + ("…" if len(text) > 2 * context else "")


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("nianbao_fts", 1, fts_query, deterministic=True)
    conn.create_function("nianbao_snippet", 2, snippet, deterministic=True)
