"""On-disk cache of rendered documents, keyed by a hash of the report's content and the format.

Lives in ``<repo>/.cache/farm-docs/`` (gitignored; ``NIANBAO_FARM_DOCS_CACHE`` overrides it) and is
regenerated when missing. Writes are atomic so that concurrent test workers can share it.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

from farm.reports import PlantedReport

# Bump when a renderer's output changes, so that stale cached documents are not served.
RENDER_VERSION = "8"


def cache_dir() -> Path:
    env = os.environ.get("NIANBAO_FARM_DOCS_CACHE")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / ".cache" / "farm-docs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_key(report: PlantedReport, fmt: str) -> str:
    blob = f"{RENDER_VERSION}\n{fmt}\n{report.canonical_json()}".encode()
    return hashlib.sha256(blob).hexdigest()


def cache_path(report: PlantedReport, fmt: str, ext: str) -> Path:
    key = cache_key(report, fmt)
    return cache_dir() / key[:2] / f"{key}.{ext}"


def read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*)>[^<]*<")


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a ZIP container (DOCX, XLSX) with fixed timestamps and order, so equal input gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time
                data = _STAMP.sub(rb"\1>2020-01-01T00:00:00Z<", data)
            dst.writestr(fixed, data)
    return out.getvalue()
