"""DOC (Word 97) by converting our DOCX with LibreOffice, in batches (soffice starts slowly).

LibreOffice gets its own profile directory under the cache, so that it never collides with a
LibreOffice that someone else runs on the same machine, and a lock file serialises our own runs.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
from pathlib import Path

from farm.documents.cache import cache_dir

SOFFICE_TIMEOUT = 240


class ConversionError(RuntimeError):
    pass


def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    raise ConversionError("LibreOffice (soffice) is not installed: install the Debian package libreoffice-writer-nogui")


def docx_to_doc(docx_files: dict[str, bytes]) -> dict[str, bytes]:
    """Convert {name: docx bytes} to {name: doc bytes} with one soffice run."""
    if not docx_files:
        return {}
    profile = cache_dir() / "libreoffice-profile"
    # one soffice at a time on this profile: a second instance would hand its work to the first
    # (or refuse the locked profile), so concurrent test workers wait their turn here
    with open(cache_dir() / "libreoffice.lock", "w") as lock, tempfile.TemporaryDirectory(prefix="farm-doc-") as tmp:
        fcntl.flock(lock, fcntl.LOCK_EX)
        src, out = Path(tmp) / "in", Path(tmp) / "out"
        src.mkdir()
        out.mkdir()
        for name, data in docx_files.items():
            (src / f"{name}.docx").write_bytes(data)
        cmd = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "doc:MS Word 97", "--outdir", str(out),
               *sorted(str(p) for p in src.iterdir())]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(f"soffice did not finish within {SOFFICE_TIMEOUT}s") from exc
        results = {}
        for name in docx_files:
            target = out / f"{name}.doc"
            if not target.exists():
                raise ConversionError(f"soffice did not convert {name}.docx (exit {proc.returncode}): {proc.stderr.strip()[:500]}")
            results[name] = target.read_bytes()
    return results
