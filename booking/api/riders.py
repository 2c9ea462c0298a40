"""Residents beyond a single ride: bookable times, how they want to be told of changes, their notices, a live stream.

* ``GET /service/times`` (public): the next bookable time (the page's default; at night the next morning), the
  service hours and the Leitstelle's phone number.
* ``GET|PUT /me/notifications``: the channel the rider chose (``email`` | ``sms`` | ``none`` = on the page only).
* ``GET /me/notices``, ``POST /me/notices/{id}/seen``: what the rider was told (ride lost, moved, delayed).
* ``GET /me/stream``: Server-Sent Events of the rider's own notices (``rider_notice``), as they happen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from booking.api.bounds import RowId
from booking.api.deps import API_PREFIX, Principal, Services, ServicesDep, require_roles
from booking.api.live import sse_response
from booking.service.bookable import next_bookable
from booking.service.bus import Message
from booking.service.notice_worker import NoticeWorker
from booking.service.notices import RiderNotices, notice_json
from booking.service.ports import NoticeChannel
from booking.service.wording import day_time

router = APIRouter(tags=["riders"])
Resident = Annotated[Principal, Depends(require_roles("resident"))]
Channel = Literal["email", "sms", "none"]


class ServiceTimes(BaseModel):
    """When rides can be booked for."""

    now: datetime
    next_bookable: datetime | None = Field(description="the first bookable time from now (5-minute grid, at least a "
                                                       "quarter of an hour ahead); null when none in the horizon")
    next_bookable_label: str | None = Field(description="the same in German, e.g. 'Di 24.11., 06:00 Uhr'")
    service_hours: str = Field(description="e.g. '06:00–22:00 Uhr'")
    timezone: str
    control_room_phone: str | None


class NotificationsPublic(BaseModel):
    """How the rider wants to be told of changes to their rides."""

    channel: Channel
    email: str | None
    phone: str | None
    channels: list[Channel] = Field(description="the channels this service can send")
    control_room_phone: str | None


class NotificationsUpdate(BaseModel):
    """The rider's choice; ``email`` for e-mail, a phone number for SMS (replaces the one of the account)."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9+()/ \-]*$")


class NoticePublic(BaseModel):
    """A notice to the rider."""

    id: int
    booking_id: str | None
    kind: str
    subject: str
    body: str
    channel: str
    status: str = Field(description="pending (not yet accepted by the channel), sent, page_only")
    created_at: datetime
    created_label: str
    seen: bool


def mount_riders(app: FastAPI, channels: Mapping[str, NoticeChannel], *, poll_s: float = 5.0,
                 delay_check_s: float = 60.0) -> NoticeWorker:
    """Add these routes to ``app`` and run the notice worker (sending by ``channels``) while the app is up."""
    services: Services = app.state.services
    worker = NoticeWorker(services.ctx, channels, poll_s=poll_s, delay_check_s=delay_check_s)
    app.include_router(router, prefix=API_PREFIX)
    app.state.notice_worker = worker
    app.state.notice_channels = tuple(channels)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(scope: Any) -> AsyncIterator[Any]:
        async with inner(scope) as state:
            worker.start()
            try:
                yield state
            finally:
                worker.stop()

    app.router.lifespan_context = lifespan
    return worker


def rider_notices(request: Request, services: ServicesDep) -> RiderNotices:
    """The rider notices over the service's store, offering the channels the app was given."""
    channels: tuple[str, ...] = getattr(request.app.state, "notice_channels", ())
    return RiderNotices(services.sessions, services.ctx.clock, (*channels, "none"))


Notices = Annotated[RiderNotices, Depends(rider_notices)]


@router.get("/service/times", summary="When rides can be booked for")
def service_times(services: ServicesDep) -> ServiceTimes:
    """The next bookable time from now under the service's rules (the resident page's default time)."""
    rules = services.ctx.options.booking_rules
    now = services.ctx.clock.now()
    found = next_bookable(rules, now)
    return ServiceTimes(now=now, next_bookable=found,
                        next_bookable_label=day_time(found, rules.timezone) if found else None,
                        service_hours=rules.describe_hours(), timezone=rules.timezone,
                        control_room_phone=services.ctx.options.control_room_phone)


def _public(notices: RiderNotices, user_id: str, services: ServicesDep) -> NotificationsPublic:
    prefs = notices.preferences(user_id)
    return NotificationsPublic(channel=prefs.channel, email=prefs.email, phone=prefs.phone,  # type: ignore[arg-type]
                               channels=list(notices.channels),  # type: ignore[arg-type]
                               control_room_phone=services.ctx.options.control_room_phone)


@router.get("/me/notifications", summary="How I am told of changes to my rides")
def get_notifications(user: Resident, notices: Notices, services: ServicesDep) -> NotificationsPublic:
    """The channel the rider chose (on the page only until they choose)."""
    return _public(notices, user.id, services)


@router.put("/me/notifications", summary="Choose how I am told of changes to my rides")
def put_notifications(body: NotificationsUpdate, user: Resident, notices: Notices,
                      services: ServicesDep) -> NotificationsPublic:
    """Store the rider's choice; 422 (German) without an address for e-mail or a number for SMS."""
    notices.choose(user.id, body.channel, body.email, body.phone)
    return _public(notices, user.id, services)


@router.get("/me/notices", summary="What I was told about my rides")
def list_notices(user: Resident, notices: Notices, services: ServicesDep,
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[NoticePublic]:
    """The rider's notices, newest first."""
    tz = services.ctx.options.booking_rules.timezone
    return [NoticePublic.model_validate(notice_json(n, tz)) for n in notices.inbox(user.id, limit)]


@router.post("/me/notices/{notice_id}/seen", status_code=status.HTTP_204_NO_CONTENT, summary="I have read it")
def notice_seen(notice_id: Annotated[RowId, Path()], user: Resident, notices: Notices) -> Response:
    """Mark a notice as read."""
    notices.seen(user.id, notice_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/stream", summary="My notices, live (Server-Sent Events)")
async def my_stream(
    request: Request,
    user: Resident,
    services: ServicesDep,
    max_events: Annotated[int | None, Query(ge=1, le=10_000, description="close after this many events")] = None,
) -> StreamingResponse:
    """``rider_notice`` events of the rider's own rides (lost, moved, delayed) as they are written."""

    def mine(message: Message) -> bool:
        return message.kind == "rider_notice" and message.data.get("customer_id") == user.id

    return sse_response(request, services.ctx.bus, {"user_id": user.id}, keep=mine, max_events=max_events)
