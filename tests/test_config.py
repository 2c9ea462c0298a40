"""Settings: every ``MOBILITY_*`` variable of the live service is checked when it is read, with a message naming it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mobility.config import REPO_ROOT, SettingsError, load_settings, read_fare_table
from mobility.domain.fares import DEFAULT_FARES, FareBand, FareTable
from mobility.domain.rules import INSTANT, KVG

FLAT_FARES = 'beyond_cents = 900\nsurcharge_cents = 0\ncompanion_pct = 0\nbands = [{ up_to_km = 100, cents = 777 }]\n'


def test_defaults_are_the_instant_rules_the_built_in_fares_and_no_phone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without variables the service books instantly, charges the built-in fares, 15-min windows, 5-min wait."""
    for name in ("BOOKING_RULES", "FARES_PATH", "PICKUP_WINDOW_S", "NO_SHOW_WAIT_S", "CONTROL_ROOM_PHONE"):
        monkeypatch.delenv(f"MOBILITY_{name}", raising=False)
    settings = load_settings()
    assert settings.rules() is INSTANT
    assert settings.fares() is DEFAULT_FARES
    assert (settings.pickup_window_s, settings.no_show_wait_s, settings.control_room_phone) == (900, 300, None)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each variable sets its setting: the KVG rules, a fare file, window, wait and the Leitstelle's number."""
    fares = tmp_path / "fares.toml"
    fares.write_text(FLAT_FARES, encoding="utf-8")
    monkeypatch.setenv("MOBILITY_BOOKING_RULES", "KVG")
    monkeypatch.setenv("MOBILITY_FARES_PATH", str(fares))
    monkeypatch.setenv("MOBILITY_PICKUP_WINDOW_S", "600")
    monkeypatch.setenv("MOBILITY_NO_SHOW_WAIT_S", "120")
    monkeypatch.setenv("MOBILITY_CONTROL_ROOM_PHONE", " 03471 684 0 ")
    settings = load_settings()
    assert settings.rules() is KVG
    assert settings.fares() == FareTable((FareBand(100, 777),), beyond_cents=900, surcharge_cents=0, companion_pct=0)
    assert (settings.pickup_window_s, settings.no_show_wait_s) == (600, 120)
    assert settings.control_room_phone == "03471 684 0"



def test_reserve_and_commitment_horizon_reach_the_dispatcher(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan's reserve inside the window and the commitment horizon are settings the dispatcher is built with."""
    from mobility.app import dispatcher_config_of

    for name in ("PICKUP_RESERVE_S", "HOLD_HORIZON_S", "HOLD_SLACK_S"):
        monkeypatch.delenv(f"MOBILITY_{name}", raising=False)
    config = dispatcher_config_of(load_settings())
    assert (config.pickup_reserve_s, config.hold_horizon_s, config.hold_slack_s) == (180, 2_700, 120)
    monkeypatch.setenv("MOBILITY_PICKUP_RESERVE_S", "0")
    monkeypatch.setenv("MOBILITY_HOLD_HORIZON_S", "1800")
    monkeypatch.setenv("MOBILITY_HOLD_SLACK_S", "60")
    config = dispatcher_config_of(load_settings())
    assert (config.pickup_reserve_s, config.hold_horizon_s, config.hold_slack_s) == (0, 1_800, 60)


BAD = [
    ("BOOKING_RULES", "rufbus",
     "MOBILITY_BOOKING_RULES: unknown booking rule set 'rufbus'; choose one of instant, kvg"),
    ("PICKUP_WINDOW_S", "0", "MOBILITY_PICKUP_WINDOW_S: Input should be greater than or equal to 60"),
    ("PICKUP_WINDOW_S", "zehn", "MOBILITY_PICKUP_WINDOW_S: Input should be a valid integer"),
    ("NO_SHOW_WAIT_S", "-5", "MOBILITY_NO_SHOW_WAIT_S: Input should be greater than or equal to 0"),
    ("NO_SHOW_WAIT_S", "7200", "MOBILITY_NO_SHOW_WAIT_S: Input should be less than or equal to 1800"),
    ("PICKUP_RESERVE_S", "-1", "MOBILITY_PICKUP_RESERVE_S: Input should be greater than or equal to 0"),
    ("HOLD_HORIZON_S", "0", "MOBILITY_HOLD_HORIZON_S: Input should be greater than or equal to 60"),
    ("CONTROL_ROOM_PHONE", "ruf an", "MOBILITY_CONTROL_ROOM_PHONE: 'ruf an' is not a phone number"),
    ("FARES_PATH", "/nirgendwo/fares.toml", "MOBILITY_FARES_PATH: /nirgendwo/fares.toml: cannot read the fare table"),
    ("PUBLIC_URL", "rufbus.de", "MOBILITY_PUBLIC_URL: 'rufbus.de' is not a web address"),
    ("INFO_URL", "ftp://kvg.de/", "MOBILITY_INFO_URL: 'ftp://kvg.de/' is not a web address"),
    ("FLEX_ETA_ERROR_P95_MIN", "-1", "MOBILITY_FLEX_ETA_ERROR_P95_MIN: Input should be greater than or equal to 0"),
    ("FLEX_DRIVING_RATIO", "0", "MOBILITY_FLEX_DRIVING_RATIO: Input should be greater than 0.2"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD, ids=[f"{n}={v}" for n, v, _ in BAD])
def test_a_bad_value_is_an_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                                      message: str) -> None:
    """A value the service cannot use stops it with a message that starts with the variable's name."""
    monkeypatch.setenv(f"MOBILITY_{name}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(message), str(caught.value)


@pytest.mark.parametrize(("content", "message"), [
    ("bands = [", ": not valid TOML"),
    ("beyond_cents = 500\n", "'bands' must be a non-empty list"),
    ("beyond_cents = 500\nbands = [{ up_to_km = 5 }]\n", "bands[0]: 'cents' must be a number"),
    ("beyond_cents = 500\nbands = [{ up_to_km = 9, cents = 1 }, { up_to_km = 4, cents = 2 }]\n",
     "fare bands must have increasing positive up_to_km"),
    ("beyond_cents = -1\nbands = [{ up_to_km = 9, cents = 1 }]\n", "fares must not be negative"),
])
def test_a_bad_fare_file_names_the_file_and_the_field(tmp_path: Path, content: str, message: str) -> None:
    """A broken fare table is refused when the settings are read, naming the variable, the file and the field."""
    path = tmp_path / "fares.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(fares_path=path)
    text = str(caught.value)
    assert text.startswith(f"MOBILITY_FARES_PATH: {path}"), text
    assert message in text


def test_the_shipped_fare_file_is_the_built_in_table() -> None:
    """data/fares/default.toml, the file operators copy, says exactly what the built-in table charges."""
    path = REPO_ROOT / "data" / "fares" / "default.toml"
    assert read_fare_table(path) == DEFAULT_FARES
    assert tomllib.loads(path.read_text(encoding="utf-8"))["surcharge_cents"] == DEFAULT_FARES.surcharge_cents


def test_mobility_serve_stops_with_the_message_instead_of_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """``mobility serve`` with a bad variable exits with status 2 and prints the variable and the problem."""
    from typer.testing import CliRunner

    from mobility.cli import app

    monkeypatch.setenv("MOBILITY_BOOKING_RULES", "sofort")
    result = CliRunner().invoke(app, ["serve", "--no-background"])
    assert result.exit_code == 2
    assert "MOBILITY_BOOKING_RULES: unknown booking rule set 'sofort'" in result.output
    assert "Traceback" not in result.output
