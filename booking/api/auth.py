"""``/auth``: OAuth2 password flow (short-lived bearer JWT + refresh token), refresh, sign-out, registration.

Sign-in is throttled per account and per client address (429 with ``Retry-After``, growing delays); every failure
gets the same 401. Registration is throttled per address for taken names, and its 409 does not repeat the name.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field

from booking.api.deps import CurrentUser, ServicesDep
from booking.service.errors import ServiceError
from booking.service.passwords import MAX_PASSWORD, MIN_PASSWORD
from booking.service.signin import Grant

router = APIRouter(prefix="/auth", tags=["auth"])
PHONE = r"^\+?[0-9()/ \-]{3,40}$"


class TokenPublic(BaseModel):
    """An access token (short-lived), the refresh token that gets the next one, and who they belong to."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds the access token is valid")
    refresh_token: str = Field(description="good once at POST /auth/refresh for a new pair; keep it secret")
    refresh_expires_in: int = Field(description="seconds the sign-in lasts without a refresh")
    role: str
    user_id: str
    username: str
    display_name: str
    vehicle_id: str | None = None

    @classmethod
    def of(cls, grant: Grant) -> TokenPublic:
        user = grant.user
        return cls(access_token=grant.access_token, expires_in=grant.expires_in, refresh_token=grant.refresh_token,
                   refresh_expires_in=grant.refresh_expires_in, role=user.role, user_id=user.id,
                   username=user.username, display_name=user.display_name, vehicle_id=user.vehicle_id)


class RefreshCreate(BaseModel):
    """A refresh token from the last sign-in or refresh."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=10, max_length=200)


class RegisterCreate(BaseModel):
    """A resident signs up."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9._@\-]+$")
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD,
                          description=f"at least {MIN_PASSWORD} characters, not one of the commonest passwords")
    display_name: str | None = Field(default=None, min_length=1, max_length=120)
    phone: str | None = Field(default=None, max_length=40, pattern=PHONE)


class UserPublic(BaseModel):
    """An account without secrets."""

    id: str
    username: str
    role: str
    display_name: str
    phone: str | None = None
    vehicle_id: str | None = None


def client_address(request: Request) -> str:
    """The client's address (behind the reverse proxy: from X-Forwarded-For, which uvicorn trusts for the proxy)."""
    return request.client.host if request.client is not None else "unknown"


@router.post("/token", summary="Sign in (OAuth2 password flow)")
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request,
          services: ServicesDep) -> TokenPublic:
    """Exchange username and password for an access token and a refresh token (429 after repeated failures)."""
    if len(form.username) > 200 or len(form.password) > MAX_PASSWORD:
        raise ServiceError(401, "invalid_credentials", "Anmeldung fehlgeschlagen",
                           "Benutzername oder Passwort ist falsch.")
    return TokenPublic.of(services.signin.sign_in(form.username, form.password, client_address(request)))


@router.post("/refresh", summary="A new access token for a refresh token")
def refresh(body: RefreshCreate, services: ServicesDep) -> TokenPublic:
    """Exchange a refresh token (good once) for a new access token and a new refresh token."""
    return TokenPublic.of(services.signin.refresh(body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out")
async def logout(user: CurrentUser, services: ServicesDep,
                 body: Annotated[RefreshCreate | None, Body()] = None) -> Response:
    """End the sign-in of the bearer token (its access and refresh tokens stop working at once)."""
    await run_in_threadpool(services.signin.sign_out, user.session_id, body.refresh_token if body else None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/register", status_code=status.HTTP_201_CREATED, summary="Register as a resident")
def register(body: RegisterCreate, request: Request, services: ServicesDep) -> UserPublic:
    """Create a resident account (409 if the name is not available; 429 after many such attempts)."""
    address = client_address(request)
    services.signin.check_registration(address)
    try:
        user = services.accounts.add(body.username, body.password, "resident", body.display_name, phone=body.phone)
    except ServiceError as exc:
        if exc.code == "username_taken":
            services.signin.name_taken(address)
        raise
    return UserPublic(id=user.id, username=user.username, role=user.role, display_name=user.display_name,
                      phone=user.phone)


@router.get("/me", summary="Who am I")
def me(user: CurrentUser) -> UserPublic:
    """The signed-in account."""
    return UserPublic(id=user.id, username=user.username, role=user.role, display_name=user.display_name,
                      vehicle_id=user.vehicle_id)
