"""A WACZ package of one crawl (the `wacz` package): its WARC files, a CDXJ index and the list of
report pages as ``pages.jsonl``, so the crawl can be replayed as a unit (ReplayWeb.page, pywb)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from wacz.main import main as wacz_main


def write_pages_jsonl(path: Path, pages: list[tuple[str, str, str | None]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Report pages"}) + "\n")
        for n, (url, ts, title) in enumerate(pages):
            fh.write(json.dumps({"id": f"p{n}", "url": url, "ts": ts, "title": title or url},
                                ensure_ascii=False) + "\n")


def write_wacz(warc_files: list[str | os.PathLike], output: str | os.PathLike,
               pages: list[tuple[str, str, str | None]]) -> Path:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / output.name
        args = ["create", "-o", str(built), *map(str, warc_files)]
        if pages:
            pages_path = Path(tmp) / "pages.jsonl"
            write_pages_jsonl(pages_path, pages)
            args += ["-p", str(pages_path)]
        code = wacz_main(args)
        if code not in (0, None):
            raise RuntimeError(f"wacz create exited {code}")
        shutil.move(str(built), output)
    return output
