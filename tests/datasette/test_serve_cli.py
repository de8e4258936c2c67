"""`nianbao serve DIR`: the datasette command line it runs."""

from nianbao.cli import main


def test_serve_command_runs_datasette_immutable_with_the_site(tmp_path, capsys):
    assert main(["serve", str(tmp_path)]) == 2  # no database yet: a clear message, not a traceback
    assert "nianbao build" in capsys.readouterr().err
    assert main(["serve", str(tmp_path), "--port", "8123", "--print-command"]) == 0
    command = capsys.readouterr().out
    for part in ("-m datasette serve -i", "nianbao.db", "--metadata", "metadata.yml", "--plugins-dir",
                 "--template-dir", "--port 8123"):
        assert part in command
