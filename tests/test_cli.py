"""The `nianbao` front door: every subcommand is listed, and an unknown one fails plainly."""

import subprocess
import sys

from nianbao.cli import SUBCOMMANDS, build_parser


def test_every_subcommand_of_the_brief_is_registered():
    assert [s.name for s in SUBCOMMANDS] == ["crawl", "build", "parse", "serve", "demo", "farm"]
    help_text = build_parser().format_help()
    for sub in SUBCOMMANDS:
        assert sub.name in help_text


def test_unknown_subcommand_exits_non_zero():
    proc = subprocess.run([sys.executable, "-m", "nianbao.cli", "nonsense"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "invalid choice" in proc.stderr
