"""The five real seed reports, as text, parse to their hand-checked expected JSON."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from parsers import PARSER_VERSION, parse_report

SEEDS = Path(__file__).resolve().parents[2] / "farm" / "data"  # the five hand-checked seed reports, one copy
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "parsers" / "report-schema.json").read_text())
CANONICAL = ["agency", "year", "template", "table2", "table2_2019", "table3", "table4", "checks"]
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def test_there_are_five_seeds():
    assert len(SEED_FILES) == 5


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_seed_parses_to_expected(path):
    expected = json.loads((path.parent / (path.stem + ".expected.json")).read_text())
    result = parse_report(path.read_bytes(), url=path.name)
    for key in CANONICAL:
        assert result[key] == expected[key], key
    assert result["status"] == "ok", result["reason"]
    assert result["format"] == "text"
    assert result["parser_version"] == PARSER_VERSION
    jsonschema.validate(result, SCHEMA)


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_every_cell_has_provenance(path):
    result = parse_report(path.read_bytes())
    for code, row in result["table3"].items():
        if row is None:
            continue
        for col in row:
            assert "line" in result["provenance"]["table3"][code][col]
    for group, cells in result["table4"].items():
        for outcome in cells:
            assert result["provenance"]["table4"][group][outcome]["line"] > 0


def test_provenance_points_at_the_line_that_holds_the_number():
    path = SEEDS / "yangquan-city-2023.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    result = parse_report(path.read_bytes())
    where = result["provenance"]["table3"]["1"]["total"]["line"]
    assert lines[where - 1].strip() == "84"
    # the blank cell of row 3.5.4 stays null and is traced to its own (empty) line
    assert result["table3"]["3.5.4"]["research_institution"] is None
    blank_line = result["provenance"]["table3"]["3.5.4"]["research_institution"]["line"]
    assert lines[blank_line - 1].strip() == ""


def test_cli_json_one_object_per_line_in_file_order():
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao.cli", "parse", "--json", *map(str, SEED_FILES)],
        capture_output=True, text=True, check=True,
    )
    objects = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["agency"] for o in objects] == [
        json.loads((p.parent / (p.stem + ".expected.json")).read_text())["agency"] for p in SEED_FILES
    ]


def test_cli_summary_names_agency_year_and_status(tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao.cli", "parse", str(SEEDS / "yiyang-city-office-2023.txt"), str(bad)],
        capture_output=True, text=True,
    )
    assert "益阳市人民政府办公室" in proc.stdout and "2023" in proc.stdout
    assert "broken.pdf: error" in proc.stdout
    assert proc.returncode == 1
