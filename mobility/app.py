"""The composition root: ``create_app(settings)`` wires network, dispatcher, store and API together.

Order: load the road network → stop directory and travel-time matrix → the fleet → the live dispatcher →
the store (migrated) → the booking services (restoring plan and bookings from the store) → FastAPI (+ web pages).
Nothing is loaded before :func:`create_app` or :func:`build_services` is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    import sqlalchemy as sa
    from argon2 import PasswordHasher
    from fastapi import FastAPI

    from booking.api.deps import ApiConfig, FlexPublication, Services
    from booking.service.keys import KeyRing
    from mobility.config import Settings
    from mobility.domain.fleet import Vehicle
    from mobility.domain.ports import Clock, TravelTimes
    from routing.directory import NetworkStopDirectory
    from routing.dispatcher.config import DispatcherConfig
    from routing.dispatcher.live import LiveDispatcher
    from routing.network import RoadNetwork
    from routing.region import RegionPack


class NetworkView:
    """Facts and map layers of a :class:`routing.network.RoadNetwork` for the API (computed once)."""

    def __init__(self, network: RoadNetwork) -> None:
        self.network = network
        self._roads: dict[int, dict[str, Any]] = {}

    def info(self) -> dict[str, Any]:
        """Source, build date, size, bounding box and attribution of the network."""
        m = self.network.meta
        return {"source": m.source, "approximate": m.is_approximate, "built_at": m.built_at,
                "bbox": list(m.bbox), "nodes": m.nodes, "edges": m.edges, "stops": m.stops,
                "road_km": m.road_km, "hash": m.hash, "attribution": m.attribution}

    def roads_geojson(self, zoom: int | None = None) -> dict[str, Any]:
        """Every road once (both directions merged) as LineStrings with their road class, simplified for ``zoom``
        (the approximate network has no roads to draw: an empty layer flagged ``approximate``)."""
        from routing.network.map_layers import bucket_of, roads_layer

        bucket = bucket_of(zoom)
        if bucket not in self._roads:
            self._roads[bucket] = roads_layer(self.network, zoom)
        return self._roads[bucket]

    def service_area_geojson(self) -> dict[str, Any]:
        """The service area polygon (marked ``approximate`` on the approximate network)."""
        from shapely.geometry import mapping

        from booking.feeds.geojson import rfc7946_rings

        approximate = self.network.meta.is_approximate
        feature = {"type": "Feature", "geometry": rfc7946_rings(mapping(self.network.service_area)),
                   "properties": {"name": "Bediengebiet (Näherung)" if approximate else "Bediengebiet",
                                  "source": self.network.meta.source, "approximate": approximate}}
        return {"type": "FeatureCollection", "features": [feature], "approximate": approximate}


@dataclass
class Routing:
    """The loaded road network with its stop directory and stop travel-time matrix (shared by dispatchers)."""

    network: RoadNetwork
    directory: NetworkStopDirectory
    matrix: TravelTimes


@dataclass
class Parts:
    """The wired parts of a running service (for the CLI, tests and benchmarks)."""

    services: Services
    engine: sa.Engine
    routing: Routing
    dispatcher: LiveDispatcher
    restore_failures: Sequence[str]


def region_of(settings: Settings) -> RegionPack | None:
    """The configured region pack (``MOBILITY_REGION`` / ``--region``), read and checked; None without one."""
    from routing.region import load_pack

    return None if settings.region is None else load_pack(settings.region)


def service_name_of(settings: Settings) -> str:
    """The service's name for riders: ``MOBILITY_SERVICE_NAME``, else the region pack's, else the district's."""
    if settings.service_name:
        return settings.service_name
    pack = region_of(settings)
    return pack.service_name if pack is not None else "Rufbus Salzlandkreis"


def load_routing(settings: Settings) -> Routing:
    """Load the configured network (the region pack's, if one is configured), its stop directory and matrix."""
    from routing.directory import NetworkStopDirectory
    from routing.network import load_network

    pack = region_of(settings)
    network = load_network(pack.network if pack is not None else settings.network_path)
    directory = NetworkStopDirectory(network, walk_limit_m=settings.walk_limit_m)
    return Routing(network, directory, network.stop_matrix(settings.cache_dir))


FLEET_DAYS = 16  # yesterday (night shifts running past midnight) + today + the 14-day booking horizon


def default_fleet(now: datetime, timezone: str = "Europe/Berlin", *, path: Path | None = None,
                  network: RoadNetwork | None = None) -> Sequence[Vehicle]:
    """The fleet file ``path`` (default: the Salzlandkreis fleet, data/fleet/salzlandkreis.toml) with shifts from
    yesterday on. With ``network``, every depot is checked to lie inside it: a
    :class:`routing.region.RegionError` names the depot and its vehicles otherwise (never a traceback later)."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from routing.fleet import DEFAULT_FLEET, load_fleet_spec, vehicles_for_days
    from routing.region.validate import check_fleet

    spec = load_fleet_spec(path or DEFAULT_FLEET)
    if network is not None:
        check_fleet(network, spec, str(path or DEFAULT_FLEET))
    today = now.astimezone(ZoneInfo(timezone)).date()
    return vehicles_for_days(spec, today - timedelta(days=1), FLEET_DAYS)


def dispatcher_config_of(settings: Settings) -> DispatcherConfig:
    """How the live dispatcher promises and plans, from the settings (rules, fares, pickup window, no-show wait);
    a region pack brings its own booking rules and fares."""
    from mobility.config import read_fare_table
    from mobility.domain.rules import rule_set
    from routing.dispatcher.config import DispatcherConfig

    pack = region_of(settings)
    rules = rule_set(pack.booking_rules) if pack is not None else settings.rules()
    fares = read_fare_table(pack.fares) if pack is not None else settings.fares()
    return DispatcherConfig(walk_limit_m=settings.walk_limit_m, timezone=settings.timezone, rules=rules,
                            fares=fares, pickup_window_s=settings.pickup_window_s,
                            no_show_wait_s=settings.no_show_wait_s, pickup_reserve_s=settings.pickup_reserve_s,
                            hold_horizon_s=settings.hold_horizon_s, hold_slack_s=settings.hold_slack_s)


def flex_publication(settings: Settings, config: DispatcherConfig) -> FlexPublication:
    """What the GTFS-Flex feed publishes beyond the rules: URLs and the safe duration derived from the dispatcher's
    ride-time rule and the measured ETA error (mobility.domain.flex, docs/feeds.md)."""
    from booking.api.deps import FlexPublication
    from mobility.domain.flex import safe_duration

    safe = safe_duration(ride_alpha=config.ride_alpha, ride_beta_s=config.ride_beta_s,
                         stop_service_s=config.stop_service_s,
                         eta_error_p95_s=round(settings.flex_eta_error_p95_min * 60),
                         driving_ratio=settings.flex_driving_ratio)
    return FlexPublication(safe=safe, public_url=settings.public_url, info_url=settings.info_url)


def signing_keys(settings: Settings) -> KeyRing:
    """The token signing keys: MOBILITY_SECRET_KEY (+ previous keys), or in development a key made once in the data
    folder; raises :class:`booking.service.keys.KeyConfigError` in production without a key."""
    from booking.service.keys import load_keys

    secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
    previous = settings.previous_secret_keys.get_secret_value() if settings.previous_secret_keys else None
    return load_keys(secret, previous, production=settings.env == "production", data_dir=settings.data_dir)


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    fleet: Sequence[Vehicle] | None = None,
    routing: Routing | None = None,
    dispatcher_config: DispatcherConfig | None = None,
    schema: str | None = None,
    hasher: PasswordHasher | None = None,
) -> Parts:
    """Build dispatcher, store and services and restore the plan from the store.

    ``routing`` reuses a loaded network; ``schema`` puts the tables into that PostgreSQL schema; ``hasher``
    overrides the argon2 parameters (tests and benchmarks use a light one).
    """
    from booking.api.deps import Services
    from booking.feeds.geojson import LegCache
    from booking.service.accounts import AccountService
    from booking.service.bookings import BookingService
    from booking.service.context import ServiceContext, ServiceOptions
    from booking.service.operations import OperationsService
    from booking.store.engine import make_engine, make_session_factory, upgrade
    from mobility.domain.clock import SystemClock
    from routing.dispatcher.live import LiveDispatcher

    keys = signing_keys(settings)  # first: production without a key stops here, before anything is loaded
    clock = clock or SystemClock()
    routing = routing or load_routing(settings)
    vehicles = fleet if fleet is not None else _configured_fleet(settings, clock, routing)
    config = dispatcher_config or dispatcher_config_of(settings)
    dispatcher = LiveDispatcher(directory=routing.directory, travel=routing.matrix, fleet=vehicles, config=config,
                                geometry=routing.directory.leg_geometry)
    engine = make_engine(settings.database_url, schema=schema)
    upgrade(engine)
    sessions = make_session_factory(engine)
    ctx = ServiceContext(sessions=sessions, dispatcher=dispatcher, stops=routing.directory, clock=clock,
                         options=ServiceOptions(no_show_wait_s=config.no_show_wait_s,
                                                position_retention_h=settings.position_retention_h,
                                                booking_rules=config.rules,
                                                control_room_phone=settings.control_room_phone))
    operations = OperationsService(ctx)
    failures = operations.restore(settings.restore_source)
    services = Services(ctx=ctx, bookings=BookingService(ctx), operations=operations,
                        accounts=AccountService(sessions, clock, hasher), network=NetworkView(routing.network),
                        config=_api_config(settings, keys, config), legs=LegCache(dispatcher.leg_geometry))
    return Parts(services=services, engine=engine, routing=routing, dispatcher=dispatcher, restore_failures=failures)


def _configured_fleet(settings: Settings, clock: Clock, routing: Routing) -> Sequence[Vehicle]:
    """The vehicles of the configured fleet file (the region pack's, else the default) for today's shifts."""
    pack = region_of(settings)
    return default_fleet(clock.now(), settings.timezone, path=pack.fleet if pack is not None else None,
                         network=routing.network)


def _api_config(settings: Settings, keys: KeyRing, config: DispatcherConfig) -> ApiConfig:
    """What the HTTP layer needs of the settings: keys, lifetimes, retention, solver limits, publication."""
    from datetime import timedelta

    from booking.api.deps import ApiConfig

    return ApiConfig(keys=keys, timezone=settings.timezone,
                     token_lifetime=timedelta(minutes=settings.access_token_minutes),
                     refresh_lifetime=timedelta(days=settings.refresh_token_days),
                     quote_retention=timedelta(hours=settings.quote_retention_h),
                     rider_retention=timedelta(days=settings.rider_retention_days),
                     solver_time_limit_s=settings.solver_time_limit_s,
                     batch_plan_at=settings.batch_plan_at,
                     batch_plan_time_limit_s=settings.batch_plan_time_limit_s,
                     booking_rules=config.rules,
                     control_room_phone=settings.control_room_phone,
                     flex=flex_publication(settings, config))


def create_app(settings: Settings, *, parts: Parts | None = None, background: bool = True,
               poolcars: bool = True) -> FastAPI:
    """Build the FastAPI application for ``settings``; nothing is loaded before this is called.

    ``parts`` reuses already built services (tests, benchmarks); ``background=False`` skips the re-optimiser;
    ``poolcars=False`` leaves out the self-drive pool cars (and their GBFS feed).
    """
    from booking.api.app import build_api

    parts = parts or build_services(settings)
    interval = settings.reoptimise_interval_s if background else None
    app = build_api(parts.services, reoptimise_interval_s=interval)
    app.state.settings = settings
    app.state.parts = parts
    if poolcars:
        _mount_poolcars(app, parts, settings)
    _mount_riders(app, settings)
    _mount_transit(app, parts, settings)
    _mount_web(app, settings)
    return app


def _mount_transit(app: FastAPI, parts: Parts, settings: Settings) -> None:
    """Rail connections: trains at the stations of Rufbus stops and offers that meet them (docs/transit.md)."""
    from booking.api.transit import mount_transit
    from booking.service.transit import TransitOptions, TransitService
    from mobility.domain.transit import TransferRules

    options = TransitOptions(transfer=TransferRules(settings.transit_to_train_s, settings.transit_from_train_s),
                             station_radius_m=settings.transit_station_radius_m)
    mount_transit(app, TransitService(parts.services.ctx, parts.services.bookings, options))


def _mount_riders(app: FastAPI, settings: Settings) -> None:
    """Rider notices: e-mail over the configured SMTP server (if any), SMS to the log (the SMS port's adapter)."""
    from booking.api.riders import mount_riders
    from booking.notify.email import SmtpMailer
    from booking.notify.sms import LoggingSms
    from booking.service.ports import NoticeChannel

    channels: dict[str, NoticeChannel] = {"sms": LoggingSms()}
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        channels["email"] = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                                       starttls=settings.smtp_starttls, username=settings.smtp_username,
                                       password=password)
    mount_riders(app, channels, poll_s=settings.notice_poll_s)


def _mount_poolcars(app: FastAPI, parts: Parts, settings: Settings) -> None:
    """Add the pool-car API and GBFS feed on the same store, accounts and clock; seed the configured pool once."""
    from booking.api.poolcars import PoolCarApi, mount_poolcars
    from booking.gbfs.feed import GbfsSystem
    from booking.service.poolcar_admin import PoolCarDesk, read_pool_files
    from booking.service.poolcars import PoolCarService
    from routing.carsharing import CarsharingPlanner

    services = parts.services
    service = PoolCarService(services.sessions, CarsharingPlanner(), services.ctx.clock)
    keys = services.config.keys
    desk = PoolCarDesk(service, system=GbfsSystem(pseudonym_salt=keys.derive("gbfs-vehicle-id")))
    pack = region_of(settings)
    pool, hours = read_pool_files(pack.poolcars) if pack is not None else read_pool_files()
    if pack is not None:
        from routing.region.validate import check_stations

        check_stations(parts.routing.network, pool.stations, str(pack.poolcars / "stations.toml"))
    desk.seed(pool, hours)
    mount_poolcars(app, PoolCarApi(service, desk, services.accounts, keys))


def _mount_web(app: FastAPI, settings: Settings) -> None:
    """Add the web pages when the web package provides them."""
    try:
        from booking.web import mount_web
    except ImportError:  # the pages are optional for the API
        return
    mount_web(app, tile_url=settings.tile_url, phone=settings.control_room_phone, service=service_name_of(settings))
