"""The ``mobility simulate`` and ``mobility sweep`` commands."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mobility.cli import app

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_simulate_writes_report_and_outputs(tmp_path: Path) -> None:
    """`mobility simulate tiny.toml` writes the report, CSVs and summary and prints the key figures."""
    result = CliRunner().invoke(app, ["simulate", str(SCENARIOS / "tiny.toml"), "--out", str(tmp_path),
                                      "--no-progress", "--requests", "12"])
    assert result.exit_code == 0, result.output
    assert "12 requests" in result.output
    assert "network: approximate" in result.output
    assert (tmp_path / "report.html").is_file()
    assert (tmp_path / "summary.json").is_file()


def test_bad_scenario_names_the_field(tmp_path: Path) -> None:
    """A bad scenario file exits with status 2 and an error naming the field."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[fleet]\nvehicles = 0\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", str(bad), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "fleet.vehicles: must be > 0" in result.output


def test_sweep_rejects_bad_lists(tmp_path: Path) -> None:
    """`mobility sweep` refuses a fleet-size list that is not numbers, and an unknown rule set."""
    runner = CliRunner()
    result = runner.invoke(app, ["sweep", str(SCENARIOS / "tiny.toml"), "--vehicles", "ten"])
    assert result.exit_code == 2
    assert "--vehicles" in result.output
    result = runner.invoke(app, ["sweep", str(SCENARIOS / "tiny.toml"), "--rules", "sometimes"])
    assert result.exit_code == 2
    assert "dispatch.rules" in result.output
