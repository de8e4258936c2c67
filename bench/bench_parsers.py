"""Parser throughput: reports per second on one core, for HTML, DOCX and PDF.

The corpus is every planted report document of the simulated portals (farm), in the format it is
published in, plus the five seed reports rendered into each format by the test fixtures. Each
format is parsed round after round in this one process for at least `SECONDS` seconds; the figure
per core is parses per CPU-second of this process (the machine is shared, so wall-clock rates
vary with other load; both are printed), and every result is checked to be a report (status ok) so a fast failure
cannot pass for speed. Targets: HTML >= 100/s, DOCX >= 50/s, PDF >= 5/s.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"html": 100.0, "docx": 50.0, "pdf": 5.0}
SECONDS = 4.0


def _fixtures():
    spec = importlib.util.spec_from_file_location("parsers_fixtures", REPO / "tests" / "parsers" / "report_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def corpus() -> dict[str, list[tuple[bytes, str | None]]]:
    docs: dict[str, list[tuple[bytes, str | None]]] = {fmt: [] for fmt in TARGETS}
    try:
        from farm import build_farm

        farm = build_farm()
        for report in _planted(farm):
            url = report["tables_from"]
            fmt = next((d["format"] for d in report["documents"] if d["url"] == url), None)
            if fmt in docs:
                content_type, data = farm.raw_document(url)
                docs[fmt].append((data, content_type))
    except Exception as exc:  # noqa: BLE001 - the seed fixtures still give figures
        print(f"  (farm corpus unavailable: {type(exc).__name__}: {exc})")
    fixtures = _fixtures()
    for report in fixtures.seed_reports().values():
        for fmt in TARGETS:
            docs[fmt].append((fixtures.render(fmt, report), None))
    return docs


def _planted(farm) -> list[dict]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        manifest = farm.write(Path(tmp), "http://127.0.0.1:0")
    return [r for r in manifest["reports"] if r.get("tables_from") and r.get("expected")]


def measure(docs: list[tuple[bytes, str | None]]) -> tuple[float, int, int]:
    from parsers import parse_report

    for data, ct in docs[:2]:
        parse_report(data, content_type=ct)  # warm imports and caches
    done = 0
    bad = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while True:
        for data, ct in docs:
            result = parse_report(data, content_type=ct)
            done += 1
            bad += result["status"] != "ok"
        elapsed = time.perf_counter() - started
        if elapsed >= SECONDS:
            cpu = time.process_time() - cpu_started
            return done / cpu, done / elapsed, done, bad


def run() -> dict:
    sys.path.insert(0, str(REPO))
    docs = corpus()
    figures: dict[str, dict] = {}
    for fmt, target in TARGETS.items():
        if not docs[fmt]:
            print(f"  {fmt}: no documents")
            continue
        rate, wall_rate, done, bad = measure(docs[fmt])
        ok = rate >= target and bad == 0
        figures[fmt] = {"reports_per_s_per_core": round(rate, 1), "reports_per_s_wall": round(wall_rate, 1),
                        "target": target, "documents": len(docs[fmt]), "parsed": done, "not_ok": bad,
                        "meets_target": ok}
        print(f"  {fmt:5s} {rate:8.1f} reports/s per core (CPU time; {wall_rate:.1f}/s wall clock)  "
              f"(target >= {target:g}; {len(docs[fmt])} documents, {done} parses, {bad} not ok) "
              f"{'OK' if ok else 'BELOW TARGET'}")
    return figures


if __name__ == "__main__":
    run()
