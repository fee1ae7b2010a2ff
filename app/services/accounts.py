"""Users: the owner's set-up, roles, deactivation, a user's own profile and password."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.models.account import (
    ApiKey,
    Role,
    Theme,
    User,
    UserPublic,
    clean_email,
    clean_user_name,
    public_user,
)
from app.models.types import utc_now
from app.models.workflow import Workflow
from app.services.audit import record_audit
from app.services.credential_cache import forget_user_on_commit
from app.services.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.services.login_limits import admit_attempt, clear_attempts
from app.services.password_policy import password_strength
from app.services.passwords import hash_password, verify_password
from app.services.principal import Principal, principal_of
from app.services.user_sessions import revoke_sessions

ASSIGNABLE_ROLES = (Role.ADMIN, Role.EDITOR, Role.VIEWER)
OWNER_EXISTS = "This Flowbook has an owner already: log in instead"


def needs_owner(session: Session) -> bool:
    """Whether nobody has set the instance up yet (no user at all)."""
    return session.exec(select(func.count()).select_from(User)).one() == 0


def get_user(session: Session, *, user_id: int) -> User:
    """A user by id.

    Raises:
        NotFoundError: no such user.
    """
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"User {user_id} not found")
    return user


def _checked_password(password: str, email: str) -> str:
    problem = password_strength(password, email=email).problem
    if problem:
        raise InvalidInputError(f"Password: {problem}")
    return hash_password(password)


def add_user(session: Session, *, email: str, name: str, password: str, role: Role) -> User:
    """Insert a user after checking the e-mail, name and password (no access check).

    Raises:
        InvalidInputError: a field is not acceptable.
        ConflictError: the e-mail address is taken.
    """
    try:
        email, name = clean_email(email), clean_user_name(name)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise ConflictError(f"There is already an account for {email}")
    now = utc_now()
    user = User(
        email=email,
        name=name,
        password_hash=_checked_password(password, email),
        role=role.value,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    return user


def create_owner(
    session: Session, *, email: str, name: str, password: str, ip: str = ""
) -> UserPublic:
    """Create the owner account of a fresh instance.

    Raises:
        ConflictError: someone has set the instance up already.
        InvalidInputError: a field is not acceptable.
    """
    if not needs_owner(session):
        raise ConflictError(OWNER_EXISTS)
    try:
        user = add_user(session, email=email, name=name, password=password, role=Role.OWNER)
    except IntegrityError as exc:  # another set-up committed its owner first
        raise ConflictError(OWNER_EXISTS) from exc
    # What was made before the owner existed (the samples) is the owner's.
    session.execute(
        update(Workflow).where(col(Workflow.owner_id).is_(None)).values(owner_id=user.id)
    )
    record_audit(
        session,
        actor=principal_of(user),
        action="user.create",
        object_type="user",
        object_id=user.id or "",
        ip=ip,
        detail={"role": Role.OWNER.value},
    )
    return public_user(user)


def _managed_user(session: Session, principal: Principal, user_id: int) -> User:
    if not principal.is_admin:
        raise PermissionDeniedError("Only the owner and admins can manage users")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"User {user_id} not found")
    if user.role == Role.OWNER.value:
        raise PermissionDeniedError("The owner's account cannot be changed by others")
    if user.id == principal.user_id:
        raise PermissionDeniedError("You cannot change your own role or deactivate yourself")
    return user


def list_users(session: Session, *, principal: Principal) -> list[UserPublic]:
    """Every user, owner first (owner and admins only)."""
    if not principal.is_admin:
        raise PermissionDeniedError("Only the owner and admins can list users")
    return [public_user(user) for user in session.exec(select(User).order_by(col(User.id)))]


def change_role(
    session: Session, *, principal: Principal, user_id: int, role: Role, ip: str = ""
) -> UserPublic:
    """Give a user another role (admin, editor or viewer)."""
    if role not in ASSIGNABLE_ROLES:
        raise InvalidInputError("A user can be made admin, editor or viewer")
    user = _managed_user(session, principal, user_id)
    before, user.role, user.updated_at = user.role, role.value, utc_now()
    session.add(user)
    forget_user_on_commit(session, user_id)
    record_audit(
        session,
        actor=principal,
        action="user.role",
        object_type="user",
        object_id=user_id,
        ip=ip,
        detail={"role": [before, role.value]},
    )
    return public_user(user)


def revoke_credentials(session: Session, *, user_id: int) -> None:
    """End every session and revoke every API key of a user, at once."""
    revoke_sessions(session, user_id=user_id)
    session.exec(
        update(ApiKey)
        .where(col(ApiKey.user_id) == user_id, col(ApiKey.revoked_at).is_(None))
        .values(revoked_at=utc_now())
    )


def set_active(
    session: Session, *, principal: Principal, user_id: int, active: bool, ip: str = ""
) -> UserPublic:
    """Deactivate a user (their sessions and keys die with it) or let them back in."""
    user = _managed_user(session, principal, user_id)
    user.active, user.updated_at = active, utc_now()
    session.add(user)
    if not active:
        revoke_credentials(session, user_id=user_id)
    action = "user.reactivate" if active else "user.deactivate"
    record_audit(
        session, actor=principal, action=action, object_type="user", object_id=user_id, ip=ip
    )
    return public_user(user)


def update_profile(
    session: Session,
    *,
    principal: Principal,
    name: str | None = None,
    theme: Theme | None = None,
    ip: str = "",
) -> UserPublic:
    """Change one's own name or theme."""
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFoundError("Your account no longer exists")
    changes: dict[str, list[str]] = {}
    if name is not None:
        try:
            cleaned = clean_user_name(name)
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from exc
        changes["name"], user.name = [user.name, cleaned], cleaned
    if theme is not None:
        changes["theme"], user.theme = [user.theme, theme.value], theme.value
    if changes:
        user.updated_at = utc_now()
        session.add(user)
        record_audit(
            session,
            actor=principal,
            action="user.update",
            object_type="user",
            object_id=principal.user_id,
            ip=ip,
            detail=changes,
        )
    return public_user(user)


def change_password(
    session: Session,
    *,
    principal: Principal,
    current: str,
    new: str,
    keep_session_token: str | None = None,
    ip: str = "",
) -> None:
    """Change one's own password; every other session of the user ends.

    The current password is limited like a login (`admit_attempt`): the attempt is counted
    and committed before it is checked.

    Raises:
        AuthenticationError: `current` is not the password.
        RateLimitedError: too many wrong passwords for the account or the address lately.
        InvalidInputError: the new password is too weak.
    """
    user = session.get(User, principal.user_id)
    if user is None:
        raise AuthenticationError("Your account no longer exists")
    admit_attempt(session, email=user.email, ip=ip, now=utc_now())
    if not verify_password(user.password_hash, current):
        raise AuthenticationError("The current password is not right")
    clear_attempts(session, email=user.email)
    user.password_hash = _checked_password(new, user.email)
    user.updated_at = utc_now()
    session.add(user)
    revoke_sessions(session, user_id=principal.user_id, keep_token=keep_session_token)
    record_audit(
        session,
        actor=principal,
        action="user.password",
        object_type="user",
        object_id=principal.user_id,
        ip=ip,
    )
