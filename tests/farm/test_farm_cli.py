"""`nianbao farm serve`: prints the proxy, writes seeds and manifest, serves, exits cleanly on a signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from farmhttp import fetch_via


def test_farm_serve_prints_proxy_writes_files_and_stops_on_sigint(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "farm", "serve", "--port", "0", "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        assert line.startswith("proxy: http://127.0.0.1:"), line + proc.stderr.read() if proc.poll() else line
        proxy = line.split("proxy: ", 1)[1].strip()
        manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
        assert manifest["proxy"] == proxy and len(manifest["portals"]) >= 12
        assert (tmp_path / "seeds.csv").read_text("utf-8").startswith("agency,url,adcode,level,parent,notes\n")
        assert fetch_via(proxy, manifest["portals"][0]["home"]).status == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
