"""Configuration from the environment (prefix ``MOBILITY_``); nothing is read at import time."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NETWORK = REPO_ROOT / "data" / "osm" / "salzlandkreis-approx.network.npz"


class Settings(BaseSettings):
    """All settings of the platform. Build one with ``Settings()`` at the composition root."""

    model_config = SettingsConfigDict(env_prefix="MOBILITY_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///mobility.db",
        description="SQLAlchemy URL: SQLite file (embedded default) or postgresql+psycopg://… with PostGIS",
    )
    network_path: Path = Field(default=DEFAULT_NETWORK, description="built road network (.network.npz)")
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "salzland-mobility",
        description="travel-time matrix cache, keyed by network hash",
    )
    walk_limit_m: int = Field(default=500, gt=0, le=5_000, description="walking limit to a stop (metres)")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65_536)
    timezone: str = "Europe/Berlin"
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    secret_key: str = Field(
        default="change-me-in-production-salzland-mobility",
        description="key that signs access tokens; set MOBILITY_SECRET_KEY in production",
    )
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
