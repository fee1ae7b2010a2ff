"""Short-lived bearer tokens (JWT, HS256, 30 minutes) for API clients of the password flow.

Signed with a key derived from the instance's secret key; only HS256 is accepted, so a
token claiming `alg: none` or another algorithm is refused, as is one with a bad signature,
an expiry in the past, or a user who was deactivated, whose role changed or who changed
their password since (the token carries a digest of the password hash it was issued under).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from sqlmodel import Session

from app.models.account import User
from app.models.db import database_url
from app.models.secret_box import secret_box
from app.models.types import utc_now
from app.services.credential_cache import Verified
from app.services.principal import Via, principal_of
from app.services.secret_tokens import token_digest

ALGORITHM = "HS256"
LIFETIME = timedelta(minutes=30)
ISSUER = "flowbook"


def _signing_key() -> bytes:
    return secret_box(database_url()).derived_key("access-token")


def _password_mark(user: User) -> str:
    return token_digest(user.password_hash)[:16]


def issue_access_token(user: User, *, now: datetime | None = None) -> tuple[str, int]:
    """A signed token for `user` and its lifetime in seconds."""
    now = now or utc_now()
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "pwd": _password_mark(user),
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + LIFETIME).timestamp()),
    }
    return jwt.encode(claims, _signing_key(), algorithm=ALGORITHM), int(LIFETIME.total_seconds())


def verify_access_token(session: Session, *, token: str) -> Verified | None:
    """Who a bearer token stands for, or None when it is not one of ours or no longer valid."""
    try:
        claims = jwt.decode(
            token,
            _signing_key(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss", "pwd"]},
        )
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        return None
    user = session.get(User, user_id)
    if (
        user is None
        or not user.active
        or user.role != claims.get("role")
        or claims.get("pwd") != _password_mark(user)
    ):
        return None
    return Verified(
        principal_of(user, Via.TOKEN), valid_until=datetime.fromtimestamp(claims["exp"], UTC)
    )
