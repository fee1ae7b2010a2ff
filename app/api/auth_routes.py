"""Getting in and out: the owner's set-up, login and logout (the UI's session cookie), and
the OAuth2 password flow that API clients use for short-lived bearer tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.account_schemas import InviteAccept, LoginRequest, SetupRequest, TokenResponse
from app.api.authentication import SESSION_COOKIE, client_ip, self_service
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.account import UserPublic
from app.services import accounts, invites, login, user_sessions
from app.services.access_tokens import issue_access_token
from app.services.principal import Principal
from app.services.unit_of_work import session_scope

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/auth",
    tags=["auth"],
    responses={
        422: {"model": ErrorResponse, "description": "Invalid request."},
        401: {"model": ErrorResponse, "description": "Wrong or missing credentials."},
        429: {"model": ErrorResponse, "description": "Too many failed attempts; see Retry-After."},
    },
)


def _set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(user_sessions.ABSOLUTE_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def _logged_in(request: Request, response: Response, outcome: login.LoginOutcome) -> UserPublic:
    if outcome.retry_after_s is not None:
        raise HTTPException(429, outcome.error, headers={"Retry-After": str(outcome.retry_after_s)})
    if outcome.user is None or outcome.token is None:
        raise HTTPException(401, outcome.error)
    _set_session_cookie(response, request, outcome.token)
    return outcome.user


@router.get("/status", summary="Whether the instance still needs its owner")
def auth_status() -> dict[str, bool]:
    """`needs_owner` is true until the owner account is created (the set-up page shows)."""
    with session_scope(read_only=True) as session:
        return {"needs_owner": accounts.needs_owner(session)}


@router.post(
    "/setup",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create the owner account of a fresh instance and log in",
    responses={409: {"model": ErrorResponse, "description": "The owner exists already."}},
)
def set_up(data: SetupRequest, request: Request, response: Response) -> UserPublic:
    """Only while no user exists; afterwards 409."""
    ip = client_ip(request)
    with session_scope() as session:
        owner = accounts.create_owner(
            session, email=data.email, name=data.name, password=data.password, ip=ip
        )
        token = user_sessions.start_session(
            session,
            user=accounts.get_user(session, user_id=owner.id),
            ip=ip,
            user_agent=request.headers.get("user-agent", ""),
        )
    return _logged_in(request, response, login.LoginOutcome(user=owner, token=token))


@router.post(
    "/join",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Join with an invitation and log in (sets the session cookie)",
    responses={
        404: {"model": ErrorResponse, "description": "The link was used or expired."},
        409: {"model": ErrorResponse, "description": "The e-mail address has an account."},
    },
)
def join(data: InviteAccept, request: Request, response: Response) -> UserPublic:
    """Create the invited account and open its first session; the link cannot be used again."""
    ip = client_ip(request)
    with session_scope() as session:
        user = invites.accept_invite(
            session,
            token=data.token,
            email=data.email,
            name=data.name,
            password=data.password,
            ip=ip,
        )
        token = user_sessions.start_session(
            session,
            user=accounts.get_user(session, user_id=user.id),
            ip=ip,
            user_agent=request.headers.get("user-agent", ""),
        )
    return _logged_in(request, response, login.LoginOutcome(user=user, token=token))


@router.post("/login", response_model=UserPublic, summary="Log in (sets the session cookie)")
def log_in(data: LoginRequest, request: Request, response: Response) -> UserPublic:
    """10 failed attempts per account or address in 15 minutes lock it (429, Retry-After)."""
    with session_scope() as session:
        outcome = login.log_in(
            session,
            email=data.email,
            password=data.password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
        )
    return _logged_in(request, response, outcome)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Log out here")
def log_out(request: Request, response: Response) -> None:
    """End this browser's session (if any) and clear its cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with session_scope() as session:
            user_sessions.end_session(session, token=token, ip=client_ip(request))
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.post(
    "/logout-everywhere", status_code=status.HTTP_204_NO_CONTENT, summary="Log out everywhere"
)
def log_out_everywhere(
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(self_service)],
) -> None:
    """End every session of the caller's user."""
    with session_scope() as session:
        user_sessions.end_all_sessions(session, principal=principal, ip=client_ip(request))
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.post("/token", response_model=TokenResponse, summary="OAuth2 password flow")
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request) -> TokenResponse:
    """A bearer token valid 30 minutes for `username` (the e-mail) and `password`."""
    with session_scope() as session:
        user, outcome = login.authenticate(
            session, email=form.username, password=form.password, ip=client_ip(request)
        )
        issued = issue_access_token(session, user) if user is not None else None
    if outcome.retry_after_s is not None:
        raise HTTPException(429, outcome.error, headers={"Retry-After": str(outcome.retry_after_s)})
    if issued is None:
        raise HTTPException(401, outcome.error, headers={"WWW-Authenticate": "Bearer"})
    access_token, lifetime = issued
    return TokenResponse(access_token=access_token, expires_in=lifetime)
