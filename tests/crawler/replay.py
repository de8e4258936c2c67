"""Replay one URL from WARC files with pywb (FrontEndApp, in a child process: pywb monkey-patches
the interpreter with gevent, which the test process must not inherit).

`replay(warc_files, url, workdir)` → (status line, headers, body) as pywb serves them in ``id_``
mode (the archived response, content-decoded, no rewriting).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import base64, json, os, shutil, sys
work, url, *warcs = sys.argv[1:]
arch = os.path.join(work, "collections", "c", "archive"); idx = os.path.join(work, "collections", "c", "indexes")
os.makedirs(arch, exist_ok=True); os.makedirs(idx, exist_ok=True)
for w in warcs:
    shutil.copy(w, arch)
from cdxj_indexer.main import write_cdx_index
with open(os.path.join(idx, "index.cdxj"), "w") as out:
    write_cdx_index(out, [os.path.join(arch, f) for f in os.listdir(arch)], {"sort": True, "post_append": True, "dir_root": arch})
os.chdir(work)
from pywb.apps.frontendapp import FrontEndApp
from werkzeug.test import Client
app = FrontEndApp(config_file=None, custom_config={"collections": {"c": {"index_paths": idx, "archive_paths": arch + "/"}}})
r = Client(app).get("/c/id_/" + url)
print(json.dumps({"status": r.status, "headers": dict(r.headers), "body": base64.b64encode(r.data).decode()}))
"""


def replay(warc_files: list[Path], url: str, workdir: Path) -> tuple[str, dict, bytes]:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(workdir), url, *map(str, warc_files)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data["status"], data["headers"], base64.b64decode(data["body"])
