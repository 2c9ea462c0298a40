"""``/auth``: OAuth2 password flow (bearer JWT) and resident self-registration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field

from booking.api.deps import CurrentUser, ServicesDep
from booking.service.errors import ServiceError
from booking.service.security import create_token

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenPublic(BaseModel):
    """An access token and who it belongs to."""

    access_token: str
    token_type: str = "bearer"
    role: str
    user_id: str
    username: str
    display_name: str
    vehicle_id: str | None = None
    expires_in: int


class RegisterCreate(BaseModel):
    """A resident signs up."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9._@\-]+$")
    password: str = Field(min_length=8, max_length=200)
    display_name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9+()/ \-]+$")


class UserPublic(BaseModel):
    """An account without secrets."""

    id: str
    username: str
    role: str
    display_name: str
    phone: str | None = None
    vehicle_id: str | None = None


@router.post("/token", summary="Sign in (OAuth2 password flow)")
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], services: ServicesDep) -> TokenPublic:
    """Exchange username and password for a bearer token."""
    user = services.accounts.authenticate(form.username, form.password)
    if user is None:
        raise ServiceError(401, "invalid_credentials", "Anmeldung fehlgeschlagen",
                           "Benutzername oder Passwort ist falsch.")
    lifetime = services.config.token_lifetime
    access = create_token(services.config.secret_key, user.id, user.role, datetime.now(UTC), lifetime)  # wall time
    return TokenPublic(access_token=access, role=user.role, user_id=user.id, username=user.username,
                       display_name=user.display_name, vehicle_id=user.vehicle_id,
                       expires_in=int(lifetime.total_seconds()))


@router.post("/register", status_code=status.HTTP_201_CREATED, summary="Register as a resident")
def register(body: RegisterCreate, services: ServicesDep) -> UserPublic:
    """Create a resident account."""
    user = services.accounts.add(body.username, body.password, "resident", body.display_name, phone=body.phone)
    return UserPublic(id=user.id, username=user.username, role=user.role, display_name=user.display_name,
                      phone=user.phone)


@router.get("/me", summary="Who am I")
def me(user: CurrentUser) -> UserPublic:
    """The signed-in account."""
    return UserPublic(id=user.id, username=user.username, role=user.role, display_name=user.display_name,
                      vehicle_id=user.vehicle_id)
