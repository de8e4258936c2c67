"""Legacy Word (.doc): antiword's text rendering, or LibreOffice's conversion to DOCX.

antiword is fast and prints tables as ``|cell|cell|`` rows, which the text layer reads. When that
yields no statistical table (merged cells confuse it), LibreOffice converts the file to DOCX in a
private temporary directory and the DOCX reader takes over.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from parsers.extracted import Extracted, ParseError
from parsers.normalize import normalize_document
from parsers.tables import build_tables, expand, recognize
from parsers.text import text_stream

ANTIWORD_TIMEOUT = 30
_WORD_STREAM = "WordDocument".encode("utf-16-le")
SOFFICE_TIMEOUT = 120


def _antiword(path: Path) -> str | None:
    exe = shutil.which("antiword")
    if not exe:
        return None
    env = dict(os.environ, ANTIWORDHOME="/usr/share/antiword")
    try:
        proc = subprocess.run([exe, "-m", "UTF-8.txt", "-w", "0", str(path)], capture_output=True,
                              timeout=ANTIWORD_TIMEOUT, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    return proc.stdout.decode("utf-8", "replace")


def _soffice_docx(path: Path, workdir: Path) -> bytes | None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        return None
    profile = workdir / "profile"
    try:
        subprocess.run(
            [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", "docx",
             "--outdir", str(workdir / "out"), str(path)],
            capture_output=True, timeout=SOFFICE_TIMEOUT, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = workdir / "out" / (path.stem + ".docx")
    return out.read_bytes() if out.exists() else None


def _complete(stream: list) -> bool:
    """All three tables read without doubt: no need for the (slow) LibreOffice conversion."""
    tables = build_tables(recognize(expand(list(stream))), None)
    return (
        not tables.unsure
        and tables.table3 is not None
        and tables.table4 is not None
        and (tables.table2 is not None or tables.table2_2019 is not None)
    )


def extract(data: bytes) -> Extracted:
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as tmp:
        work = Path(tmp)
        path = work / "report.doc"
        path.write_bytes(data)
        text = _antiword(path)
        if text is not None:
            text = normalize_document(text)
            stream, lines = text_stream(text)
            if _complete(stream):
                return Extracted(format="doc", stream=stream, lines=lines, text=text,
                                 title_candidates=[ln for ln in lines[:40] if ln.strip()])
        # LibreOffice takes seconds: only for what really is a Word file (its WordDocument stream)
        converted = _soffice_docx(path, work) if _WORD_STREAM in data[:1_000_000] else None
    if converted is not None:
        from parsers import docx

        ex = docx.extract(converted)
        ex.format = "doc"
        return ex
    if text is not None:
        return Extracted(format="doc", stream=stream, lines=lines, text=text,
                         title_candidates=[ln for ln in lines[:40] if ln.strip()])
    raise ParseError("not a readable Word 97-2003 document (antiword and LibreOffice could not read it)")
