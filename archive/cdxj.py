"""A CDXJ index of a crawl's WARC files (cdxj-indexer), sorted, for replay tools such as pywb."""

from __future__ import annotations

import os
from pathlib import Path

from cdxj_indexer.main import write_cdx_index


def write_cdxj(warc_files: list[str | os.PathLike], output: str | os.PathLike) -> Path:
    """Index ``warc_files`` into ``output`` (sorted CDXJ, filenames relative to the WARC directory)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    files = [str(f) for f in warc_files]
    root = os.path.commonpath([os.path.dirname(f) for f in files]) if files else None
    tmp = output.with_suffix(output.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        write_cdx_index(out, files, {"sort": True, "dir_root": root, "post_append": True})
    os.replace(tmp, output)
    return output
