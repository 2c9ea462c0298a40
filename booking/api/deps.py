"""FastAPI dependencies: the services of the running app and the authenticated caller with a role.

Reuse in other routers::

    from booking.api.deps import CurrentUser, ServicesDep, require_roles

    @router.get("/thing", dependencies=[Depends(require_roles("dispatcher", "admin"))])
    def thing(user: CurrentUser, services: ServicesDep) -> ...
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from booking.service.accounts import AccountService
from booking.service.bookings import BookingService
from booking.service.context import ServiceContext
from booking.service.errors import ServiceError, forbidden
from booking.service.keys import KeyRing
from booking.service.operations import OperationsService
from booking.service.ports import NetworkView
from booking.service.privacy import PrivacyService
from booking.service.security import decode_token
from booking.service.signin import SignInService
from mobility.domain.flex import SafeDuration
from mobility.domain.rules import INSTANT, BookingRules
from mobility.domain.stops import Stop

API_PREFIX = "/api/v1"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)


@dataclass(frozen=True, slots=True)
class FlexPublication:
    """What the GTFS-Flex feed publishes beyond the booking rules (docs/feeds.md)."""

    safe: SafeDuration | None = None  # safe_duration_factor/offset of the trips; None: not published
    public_url: str | None = None  # the service's public address (booking_url); None: the address asked
    info_url: str | None = None  # a page about the service (info_url); None: the agency's site


@dataclass(frozen=True, slots=True)
class ApiConfig:
    """Settings the HTTP layer needs."""

    keys: KeyRing  # signs access tokens (current key) and verifies them (current and previous keys, by kid)
    token_lifetime: timedelta = timedelta(minutes=15)  # of an access token; a refresh token gets a new one
    refresh_lifetime: timedelta = timedelta(days=14)
    quote_retention: timedelta = timedelta(hours=24)  # offers never booked are deleted after this
    rider_retention: timedelta = timedelta(days=90)  # rider data of past trips is pseudonymised after this
    timezone: str = "Europe/Berlin"
    solver_time_limit_s: float = 5.0
    batch_plan_at: clock_time | None = None  # local time of the daily batch plan of the next service day
    booking_rules: BookingRules = INSTANT  # the service's rule set (published in the GTFS-Flex feed)
    batch_plan_time_limit_s: float = 60.0
    control_room_phone: str | None = None  # the Leitstelle's number for bookings by phone (pages, GTFS-Flex)
    flex: FlexPublication = field(default_factory=FlexPublication)  # URLs and safe duration of the GTFS-Flex feed


class PrincipalCache:
    """Recently checked tokens and who they belong to, for ``ttl_s`` seconds (never past the token's expiry).

    Saves the signature check and the account lookup on every request; account changes through
    :class:`~booking.service.accounts.AccountService` clear it, so a locked account loses access at once.
    """

    def __init__(self, ttl_s: float = 30.0, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Principal, float]] = {}

    def get(self, token: str) -> Principal | None:
        """The principal of a recently checked, still valid token."""
        with self._lock:
            hit = self._entries.get(token)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, token: str, principal: Principal, expires: datetime) -> None:
        """Remember a checked token until ``ttl_s`` from now or its expiry, whichever is first."""
        left = (expires - datetime.now(UTC)).total_seconds()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[token] = (principal, time.monotonic() + min(self.ttl_s, left))

    def clear(self) -> None:
        """Forget every token (after an account changed)."""
        with self._lock:
            self._entries.clear()


@dataclass
class Services:
    """Everything the routers use; one per app, kept in ``app.state.services``."""

    ctx: ServiceContext
    bookings: BookingService
    operations: OperationsService
    accounts: AccountService
    network: NetworkView
    config: ApiConfig
    legs: Callable[[Stop, Stop], list[tuple[float, float]]]
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    signin: SignInService = field(init=False)
    privacy: PrivacyService = field(init=False)

    def __post_init__(self) -> None:
        self.accounts.on_change.append(self.principals.clear)
        self.signin = SignInService(self.accounts, self.config.keys, self.config.token_lifetime,
                                    self.config.refresh_lifetime)
        self.privacy = PrivacyService(self.ctx, self.accounts, self.bookings,
                                      quote_retention=self.config.quote_retention,
                                      rider_retention=self.config.rider_retention)

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory of the store."""
        return self.ctx.sessions


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    id: str
    username: str
    role: str
    display_name: str
    vehicle_id: str | None = None
    session_id: str | None = None  # the sign-in of the token (sign-out ends it)

    @property
    def is_staff(self) -> bool:
        """Dispatchers and admins see everything."""
        return self.role in ("dispatcher", "admin")


def get_services(request: Request) -> Services:
    """The services of the running app."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _unauthorized(detail: str) -> ServiceError:
    return ServiceError(401, "unauthorized", "Nicht angemeldet", detail)


async def current_user(services: ServicesDep, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal:
    """The caller of a valid bearer token (401 otherwise): signed by a key of the ring, unexpired, its account
    active with the same token version, its sign-in not ended.

    A recently checked token is answered from memory on the event loop; otherwise the account lookup runs in a
    worker thread, so a slow or unreachable database never stalls the loop (and ``/health/live``).
    """
    if not token:
        raise _unauthorized("Bitte melden Sie sich an (Bearer-Token fehlt).")
    known = services.principals.get(token)
    if known is not None:
        return known
    claims = decode_token(services.config.keys, token)
    if claims is None:
        raise _unauthorized("Das Anmelde-Token ist ungültig oder abgelaufen. Bitte erneut anmelden.")
    user = await run_in_threadpool(services.accounts.principal, claims.user_id, claims.session_id, claims.version)
    if user is None:
        raise _unauthorized("Die Anmeldung ist beendet oder das Konto gesperrt. Bitte erneut anmelden.")
    principal = Principal(user.id, user.username, user.role, user.display_name, user.vehicle_id, claims.session_id)
    services.principals.put(token, principal, claims.expires)
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]


async def optional_user(services: ServicesDep,
                        token: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal | None:
    """The caller when a valid bearer token is sent, else ``None`` (public endpoints with more for staff)."""
    if not token:
        return None
    try:
        return await current_user(services, token)
    except ServiceError:
        return None


MaybeUser = Annotated[Principal | None, Depends(optional_user)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only callers with one of ``roles`` (admins always)."""

    async def check(user: CurrentUser) -> Principal:
        if user.role not in roles and user.role != "admin":
            raise forbidden(f"Diese Funktion ist nur für die Rolle(n) {', '.join(roles)} freigegeben.")
        return user

    return check


StaffUser = Annotated[Principal, Depends(require_roles("dispatcher"))]
DriverUser = Annotated[Principal, Depends(require_roles("driver"))]
