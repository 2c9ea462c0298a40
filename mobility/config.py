"""Configuration from the environment (prefix ``MOBILITY_``); nothing is read at import time."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mobility.domain.flex import MEASURED_ETA_ERROR_P95_S

if TYPE_CHECKING:
    from mobility.domain.fares import FareTable
    from mobility.domain.rules import BookingRules

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NETWORK = REPO_ROOT / "data" / "osm" / "salzlandkreis-approx.network.npz"
ENV_PREFIX = "MOBILITY_"
PHONE_PATTERN = r"^\+?[0-9(][0-9 ()/\-]{4,38}$"


class SettingsError(ValueError):
    """Settings that cannot be used; the message names each ``MOBILITY_*`` variable and what is wrong with it."""


class Settings(BaseSettings):
    """All settings of the platform. Build one with ``Settings()`` at the composition root."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///mobility.db",
        description="SQLAlchemy URL: SQLite file (embedded default) or postgresql+psycopg://… with PostGIS",
    )
    network_path: Path = Field(default=DEFAULT_NETWORK, description="built road network (.network.npz)")
    region: Path | None = Field(
        default=None,
        description="region pack folder (mobility region build): its network, fleet, pool cars, rules and fares "
                    "replace network_path, the default fleet and pool, booking_rules and fares_path",
    )
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "salzland-mobility",
        description="travel-time matrix cache, keyed by network hash",
    )
    walk_limit_m: int = Field(default=500, gt=0, le=5_000, description="walking limit to a stop (metres)")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65_536)
    timezone: str = "Europe/Berlin"
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    env: Literal["development", "production"] = Field(
        default="development",
        description="production refuses to start without MOBILITY_SECRET_KEY; development makes a key in data_dir",
    )
    data_dir: Path = Field(
        default=Path.home() / ".local" / "share" / "salzland-mobility",
        description="the service's own files: the signing key made on first start, first-run credentials (0600)",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="key (≥ 32 characters) that signs access tokens; required in production; empty in development: "
                    "a random key is made once and kept in data_dir/secret.key (mode 0600)",
    )
    previous_secret_keys: SecretStr | None = Field(
        default=None,
        description="comma-separated earlier keys, still accepted for verification after a key rotation",
    )
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60, description="lifetime of an access token")
    refresh_token_days: int = Field(default=14, ge=1, le=365, description="lifetime of a sign-in (refresh token)")
    quote_retention_h: float = Field(default=24.0, gt=0, le=24 * 30,
                                     description="offers never booked are deleted after this many hours")
    rider_retention_days: int = Field(default=90, ge=1, le=3_650,
                                      description="rider data of past trips is pseudonymised after this many days")
    reoptimise_interval_s: int = Field(default=300, gt=0, description="background OR-Tools re-plan interval")
    solver_time_limit_s: float = Field(default=5.0, gt=0)
    batch_plan_at: time | None = Field(
        default=time(1, 0),
        description="local time of the daily batch plan of the next service day (pre-bookings); empty: off",
    )
    batch_plan_time_limit_s: float = Field(default=60.0, gt=0, le=3_600)
    position_retention_h: float = Field(
        default=24.0, gt=0, le=24 * 90,
        description="vehicle positions older than this (hours) are deleted by the background worker",
    )
    restore_source: Literal["store", "log"] = Field(
        default="store",
        description="after a restart: lay out the stored plan again (store) or rebuild it from the event log (log)",
    )
    booking_rules: str = Field(
        default="instant",
        description="booking rule set: instant (book now for right away, 06–22 h) or kvg (60 min notice by day, "
                    "night trips booked by 20:00)",
    )
    fares_path: Path | None = Field(
        default=None,
        description="TOML fare table (bands = [{up_to_km, cents}, …], beyond_cents, surcharge_cents, companion_pct); "
                    "empty: the built-in table (data/fares/default.toml)",
    )
    pickup_window_s: int = Field(default=900, ge=60, le=3_600,
                                 description="width of the pickup window promised to a resident (seconds)")
    no_show_wait_s: int = Field(default=300, ge=0, le=1_800,
                                description="how long a driver waits at the pickup before a no-show (seconds)")
    pickup_reserve_s: int = Field(default=180, ge=0, le=900,
                                  description="the plan begins each pickup this long before the promised window "
                                              "ends, so that a vehicle delayed on the road still comes in time "
                                              "(seconds)")
    hold_horizon_s: int = Field(default=2_700, ge=60, le=4 * 3_600,
                                description="commitment horizon: a pickup planned to begin within this time is held "
                                            "at its planned begin (seconds)")
    hold_slack_s: int = Field(default=120, ge=0, le=900,
                              description="how far a held pickup may still move, earlier or later (seconds)")
    transit_to_train_s: int = Field(default=300, ge=0, le=3_600,
                                    description="rail connections: a ride arrives at the station this long before the "
                                                "train departs (seconds)")
    transit_from_train_s: int = Field(default=300, ge=0, le=3_600,
                                      description="rail connections: the pickup window opens this long after the "
                                                  "train's scheduled arrival (seconds)")
    transit_station_radius_m: int = Field(default=400, ge=50, le=2_000,
                                          description="rail connections: timetable stops within this distance of a "
                                                      "Rufbus stop are its station")
    service_name: str | None = Field(
        default=None, min_length=2, max_length=60,
        description="the service's name as riders know it, in the pages' titles, header and footer (default: the "
                    "region pack's service_name, else 'Rufbus Salzlandkreis')",
    )
    control_room_phone: str | None = Field(
        default=None,
        description="phone number of the Leitstelle (control room) for bookings by phone; shown on the pages and "
                    "published in the GTFS-Flex feed",
    )
    public_url: str | None = Field(
        default=None,
        description="public address of the service (https://…/): the booking page published in the GTFS-Flex feed; "
                    "empty: the address a request came to",
    )
    info_url: str | None = Field(
        default=None,
        description="a page about the service for riders (GTFS-Flex info_url and route_url); empty: the agency's site",
    )
    flex_eta_error_p95_min: float = Field(
        default=MEASURED_ETA_ERROR_P95_S / 60, ge=0, le=120,
        description="95th percentile of the service's ETA error in minutes (the rehearsal measures it); added to the "
                    "GTFS-Flex safe_duration_offset (docs/feeds.md)",
    )
    flex_driving_ratio: float = Field(
        default=1.0, gt=0.2, le=5.0,
        description="our direct driving time divided by a journey planner's (1.0 when both use OpenStreetMap car "
                    "speeds); multiplies the GTFS-Flex safe_duration_factor",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for rider notices by e-mail; empty: no e-mail (SMS and the page only)")
    smtp_port: int = Field(default=25, gt=0, lt=65_536)
    smtp_sender: str = Field(default="Rufbus Salzlandkreis <rufbus@localhost>", description="From: of notices")
    smtp_starttls: bool = Field(default=False, description="upgrade the SMTP connection with STARTTLS")
    smtp_username: str | None = Field(default=None, description="SMTP login (with smtp_password), if the server asks")
    smtp_password: SecretStr | None = None
    notice_poll_s: float = Field(default=5.0, gt=0, le=600,
                                 description="how often the notice worker looks for notices to send (seconds)")

    @field_validator("booking_rules")
    @classmethod
    def _known_rule_set(cls, value: str) -> str:
        from mobility.domain.rules import RULE_SETS

        name = value.strip().lower()
        if name not in RULE_SETS:
            msg = f"unknown booking rule set {value!r}; choose one of {', '.join(sorted(RULE_SETS))}"
            raise ValueError(msg)
        return name

    @field_validator("fares_path")
    @classmethod
    def _readable_fares(cls, value: Path | None) -> Path | None:
        if value is not None:
            read_fare_table(value)
        return value

    @field_validator("public_url", "info_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.fullmatch(r"https?://[^\s/?#]+\.[^\s/?#]+(/\S*)?", value.strip()):
            msg = f"{value!r} is not a web address (http:// or https:// and a host name), e.g. 'https://rufbus.example.de/'"
            raise ValueError(msg)
        return value.strip()

    @field_validator("control_room_phone")
    @classmethod
    def _phone_number(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.fullmatch(PHONE_PATTERN, value.strip()):
            msg = f"{value!r} is not a phone number (digits, spaces, + ( ) / -), e.g. '03471 684 0'"
            raise ValueError(msg)
        return value.strip()

    def rules(self) -> BookingRules:
        """The configured booking rule set."""
        from mobility.domain.rules import rule_set

        return rule_set(self.booking_rules)

    def fares(self) -> FareTable:
        """The configured fare table (the built-in one when ``fares_path`` is not set)."""
        from mobility.domain.fares import DEFAULT_FARES

        return DEFAULT_FARES if self.fares_path is None else read_fare_table(self.fares_path)


def read_fare_table(path: Path) -> FareTable:
    """The fare table in the TOML file ``path``; a ``ValueError`` names the file and what is wrong."""
    from mobility.domain.fares import fare_table_from_mapping
    from mobility.domain.tomlfile import read_toml

    return fare_table_from_mapping(read_toml(path, "fare table"), source=str(path))


def load_settings(**overrides: Any) -> Settings:
    """``Settings`` from the environment and ``overrides``; a :class:`SettingsError` names every bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "settings"
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{ENV_PREFIX}{field.upper()}: {message}")
        raise SettingsError("\n".join(lines)) from None
