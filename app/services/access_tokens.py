"""Short-lived bearer tokens (JWT, HS256, 30 minutes) for API clients of the password flow.

Signed with a key derived from the instance's secret key; only HS256 is accepted, so a
token claiming `alg: none` or another algorithm is refused, as is one with a bad signature,
an expiry in the past, or a user who was deactivated, whose role changed or who changed
their password since (the token carries a digest of the password hash it was issued under).
Each token is tied to a session row of its own (claim `sid`, a row whose secret nobody
holds): logging out everywhere, a password change and deactivation end those rows, and with
them the tokens, as they end the UI's sessions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from sqlmodel import Session, col, select

from app.models.account import User, UserSession
from app.models.db import database_url
from app.models.secret_box import secret_box
from app.models.types import utc_now
from app.services.credential_cache import Verified
from app.services.principal import Via, principal_of
from app.services.secret_tokens import new_token, token_digest

ALGORITHM = "HS256"
LIFETIME = timedelta(minutes=30)
ISSUER = "flowbook"
# The user agent of a token's session row (the users page counts it as a login).
TOKEN_SESSION = "API access token (password flow)"


def _signing_key() -> bytes:
    return secret_box(database_url()).derived_key("access-token")


def _password_mark(user: User) -> str:
    return token_digest(user.password_hash)[:16]


def issue_access_token(
    session: Session, user: User, *, now: datetime | None = None
) -> tuple[str, int]:
    """A signed token for `user` and its lifetime in seconds; adds its session row."""
    assert user.id is not None
    now = now or utc_now()
    row = UserSession(
        user_id=user.id,
        token_hash=token_digest(new_token()),
        created_at=now,
        last_seen_at=now,
        expires_at=now + LIFETIME,
        user_agent=TOKEN_SESSION,
    )
    session.add(row)
    session.flush()
    claims = {
        "sub": str(user.id),
        "sid": row.id,
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
            options={"require": ["sub", "sid", "exp", "iat", "iss", "pwd"]},
        )
        user_id, session_id = int(claims["sub"]), int(claims["sid"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == UserSession.user_id)
        .where(UserSession.id == session_id)
    ).first()
    if row is None:
        return None
    token_session, user = row
    if (
        token_session.user_id != user_id
        or token_session.revoked_at is not None
        or not user.active
        or user.role != claims.get("role")
        or claims.get("pwd") != _password_mark(user)
    ):
        return None
    return Verified(
        principal_of(user, Via.TOKEN), valid_until=datetime.fromtimestamp(claims["exp"], UTC)
    )
