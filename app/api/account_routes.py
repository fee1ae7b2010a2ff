"""The caller's own account (`/api/me`: profile, password, API keys), the users an admin
manages (`/api/users`, invitations) and the audit log (`/api/audit`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status

from app.api.account_schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    InviteAccept,
    InviteCreate,
    InviteCreated,
    PasswordChange,
    ProfileUpdate,
    UserUpdate,
)
from app.api.authentication import (
    SESSION_COOKIE,
    client_ip,
    current_principal,
    require,
    self_service,
)
from app.api.params import MAX_ID, Limit
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.account import ApiKeyPublic, Role, Scope, User, UserPublic, public_user
from app.models.audit import AuditEventPublic
from app.models.types import utc_now
from app.services import accounts, api_keys, audit, invites
from app.services.errors import NotFoundError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope

Caller = Annotated[Principal, Depends(self_service)]
Admin = Annotated[Principal, Depends(require(Scope.ADMIN))]
KeyIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="API key id.")]
UserIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="User id.")]

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api",
    tags=["account"],
    responses={
        422: {"model": ErrorResponse, "description": "Invalid request."},
        401: {"model": ErrorResponse, "description": "Not logged in / no valid key."},
        404: {"model": ErrorResponse, "description": "No such user, key or invitation."},
        409: {"model": ErrorResponse, "description": "The e-mail address has an account."},
        403: {"model": ErrorResponse, "description": "Not allowed for this account."},
    },
)


@router.get("/me", response_model=UserPublic, summary="Who I am")
def me(principal: Annotated[Principal, Depends(current_principal)]) -> UserPublic:
    """The calling user (any valid credentials may ask)."""
    with session_scope(read_only=True) as session:
        user = session.get(User, principal.user_id)
        if user is None:
            raise NotFoundError("Your account no longer exists")
        return public_user(user)


@router.patch("/me", response_model=UserPublic, summary="Change my name or theme")
def update_me(data: ProfileUpdate, principal: Caller, request: Request) -> UserPublic:
    """Fields left out keep their value."""
    with session_scope() as session:
        return accounts.update_profile(
            session, principal=principal, name=data.name, theme=data.theme, ip=client_ip(request)
        )


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change my password",
    responses={
        429: {"model": ErrorResponse, "description": "Too many wrong passwords; see Retry-After."}
    },
)
def change_my_password(data: PasswordChange, principal: Caller, request: Request) -> None:
    """Every other session of mine ends; this one stays. Wrong current passwords count
    towards the login limit (10 per account or address in 15 minutes, then 429)."""
    with session_scope() as session:
        accounts.change_password(
            session,
            principal=principal,
            current=data.current,
            new=data.new,
            keep_session_token=request.cookies.get(SESSION_COOKIE),
            ip=client_ip(request),
        )


@router.get("/me/api-keys", response_model=list[ApiKeyPublic], summary="My API keys")
def my_api_keys(principal: Caller) -> list[ApiKeyPublic]:
    """Newest first, revoked ones included; never the secret."""
    with session_scope(read_only=True) as session:
        return api_keys.list_api_keys(session, principal=principal)


@router.post(
    "/me/api-keys",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key (shown once)",
)
def create_my_api_key(data: ApiKeyCreate, principal: Caller, request: Request) -> ApiKeyCreated:
    """The answer holds the whole key; it cannot be shown again."""
    with session_scope() as session:
        key, secret = api_keys.create_api_key(
            session,
            principal=principal,
            name=data.name,
            scopes=[scope.value for scope in data.scopes],
            expires_at=(
                utc_now() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
            ),
            ip=client_ip(request),
        )
    return ApiKeyCreated(key=key, secret=secret)


@router.delete("/me/api-keys/{key_id}", response_model=ApiKeyPublic, summary="Revoke a key")
def revoke_my_api_key(key_id: KeyIdPath, principal: Caller, request: Request) -> ApiKeyPublic:
    """The key stops working at once."""
    with session_scope() as session:
        return api_keys.revoke_api_key(
            session, principal=principal, key_id=key_id, ip=client_ip(request)
        )


@router.get("/users", response_model=list[UserPublic], summary="List users (admins)")
def list_users(principal: Admin) -> list[UserPublic]:
    """Every user, the owner first."""
    with session_scope(read_only=True) as session:
        return accounts.list_users(session, principal=principal)


@router.patch("/users/{user_id}", response_model=UserPublic, summary="Change a user (admins)")
def update_user(
    user_id: UserIdPath, data: UserUpdate, principal: Admin, request: Request
) -> UserPublic:
    """Another role, or deactivation (sessions and keys end at once) / reactivation."""
    with session_scope() as session:
        user = public_user(accounts.get_user(session, user_id=user_id))
        if data.role is not None:
            user = accounts.change_role(
                session,
                principal=principal,
                user_id=user_id,
                role=Role(data.role),
                ip=client_ip(request),
            )
        if data.active is not None:
            user = accounts.set_active(
                session,
                principal=principal,
                user_id=user_id,
                active=data.active,
                ip=client_ip(request),
            )
    return user


@router.post(
    "/users/invites",
    response_model=InviteCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Invite a user (admins)",
)
def invite_user(data: InviteCreate, principal: Admin, request: Request) -> InviteCreated:
    """A one-time token valid 7 days; no e-mail is sent: hand it over yourself."""
    with session_scope() as session:
        expires_at, token = invites.create_invite(
            session, principal=principal, role=Role(data.role), ip=client_ip(request)
        )
    return InviteCreated(token=token, expires_at=expires_at)


@router.post(
    "/invites/accept",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Join with an invitation",
    tags=["auth"],
)
def accept_invite(data: InviteAccept, request: Request) -> UserPublic:
    """Create the invited account; the link cannot be used again. Log in afterwards."""
    with session_scope() as session:
        return invites.accept_invite(
            session,
            token=data.token,
            email=data.email,
            name=data.name,
            password=data.password,
            ip=client_ip(request),
        )


@router.get("/audit", response_model=list[AuditEventPublic], summary="The audit log (admins)")
def list_audit(
    principal: Admin,
    limit: Limit = 100,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    action: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z._]*$")] = None,
    object_type: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]*$")] = None,
    actor_user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[AuditEventPublic]:
    """Newest first; page with `before_id` (the last id of the previous page)."""
    with session_scope(read_only=True) as session:
        return audit.list_audit(
            session,
            principal=principal,
            limit=limit,
            before_id=before_id,
            action=action,
            object_type=object_type,
            actor_user_id=actor_user_id,
        )
