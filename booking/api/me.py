"""``/me``: a rider's own data (DSGVO Art. 15, 16, 17, 20) — see, correct, export, change the password, delete.

``/dispatch/access-log`` (admin): who of the staff read which rider's data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from booking.api.auth import PHONE, TokenPublic
from booking.api.deps import CurrentUser, ServicesDep, require_roles
from booking.api.schemas import local
from booking.service.errors import forbidden
from booking.service.passwords import MAX_PASSWORD, MIN_PASSWORD
from booking.store import privacy as privacy_store

router = APIRouter(prefix="/me", tags=["me"])
audit_router = APIRouter(prefix="/dispatch", tags=["dispatch"], dependencies=[Depends(require_roles("admin"))])
routers = (router, audit_router)


class ProfilePublic(BaseModel):
    """The signed-in account as stored."""

    id: str
    username: str
    role: str
    display_name: str
    phone: str | None
    vehicle_id: str | None
    created_at: datetime


class ProfileUpdate(BaseModel):
    """Corrections (Art. 16): the name shown to drivers and the phone number (``null`` removes it)."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, min_length=1, max_length=120)
    phone: str | None = Field(default=None, max_length=40, pattern=PHONE)


class PasswordChange(BaseModel):
    """The current password and a new one (≥ 10 characters, not a common one)."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    new_password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)


class Confirmation(BaseModel):
    """The password again, for deleting the account."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=MAX_PASSWORD)


class AccessPublic(BaseModel):
    """A member of staff read a rider's data."""

    at: datetime
    actor_id: str
    actor_role: str
    action: str
    subject: str
    booking_id: str | None


def _profile(services: ServicesDep, user_id: str) -> ProfilePublic:
    row = services.accounts.get(user_id)
    if row is None:
        raise forbidden("Dieses Konto gibt es nicht mehr.")
    return ProfilePublic(id=row.id, username=row.username, role=row.role, display_name=row.display_name,
                         phone=row.phone, vehicle_id=row.vehicle_id, created_at=local(row.created_at))


@router.get("", summary="My account as stored (Art. 15)")
def get_me(user: CurrentUser, services: ServicesDep) -> ProfilePublic:
    """The account: name, phone, role, since when."""
    return _profile(services, user.id)


@router.patch("", summary="Correct my name or phone (Art. 16)")
def patch_me(body: ProfileUpdate, user: CurrentUser, services: ServicesDep) -> ProfilePublic:
    """Change the name shown and the phone number; a field left out stays, ``"phone": null`` removes the number."""
    services.accounts.update_profile(user.id, display_name=body.display_name, phone=body.phone,
                                     clear_phone="phone" in body.model_fields_set and body.phone is None)
    return _profile(services, user.id)


@router.post("/password", summary="Change my password")
def change_password(body: PasswordChange, user: CurrentUser, services: ServicesDep) -> TokenPublic:
    """Set a new password; every sign-in of the account ends at once (other devices too). Answers with a fresh
    sign-in for this device."""
    row = services.accounts.change_password(user.id, body.current_password, body.new_password)
    return TokenPublic.of(services.signin.start(row))


@router.get("/export", summary="Export my data (Art. 15, 20)")
def export_me(user: CurrentUser, services: ServicesDep,
              download: Annotated[bool, Query(description="as a file to save")] = False) -> JSONResponse:
    """Everything stored about me as JSON: account, sign-ins, bookings (with the points I asked for), offers,
    log entries, pool-car reservations, and when staff read my data."""
    data: dict[str, Any] = services.privacy.export(user.id)
    headers = {"Content-Disposition": 'attachment; filename="meine-daten.json"'} if download else None
    return JSONResponse(data, headers=headers)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, summary="Delete my account (Art. 17)")
def delete_me(body: Annotated[Confirmation, Body()], user: CurrentUser, services: ServicesDep) -> Response:
    """Cancel my future rides, pseudonymise my bookings and log entries (no name, phone or exact place stays) and
    delete the account. Staff accounts are ended by the administration, not here."""
    if user.role != "resident":
        raise forbidden("Konten der Leitstelle, Fahrer/innen und Verwaltung löscht die Verwaltung.")
    services.accounts.verify(user.id, body.password)
    services.privacy.erase(user.id, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@audit_router.get("/access-log", summary="Who read which rider's data (admin)")
def access_log(services: ServicesDep,
               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AccessPublic]:
    """The newest entries of the access log."""
    with services.ctx.read_session() as session:
        rows = privacy_store.recent_accesses(session, limit)
    return [AccessPublic(at=local(r.at), actor_id=r.actor_id, actor_role=r.actor_role, action=r.action,
                         subject=r.subject, booking_id=r.booking_id) for r in rows]
