"""Errors the services raise; the API and UI turn them into messages (404, 409, 422)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.engine.validation import Problem


class ServiceError(Exception):
    """Base of every service error; `message` is meant for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(ServiceError):
    """The thing asked for does not exist (or is deleted)."""


class InvalidInputError(ServiceError):
    """An argument is not acceptable (bad name, bad filter, ...)."""


class ConflictError(ServiceError):
    """The request conflicts with the current state (e.g. cancelling a finished run)."""


class InvalidWorkflowError(ServiceError):
    """A workflow document is malformed or its graph has problems.

    Attributes:
        problems: every problem found, each tied to a node, edge or field when known.
    """

    def __init__(self, message: str, problems: Sequence[Problem]) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems)


class AuthenticationError(ServiceError):
    """No valid credentials: wrong password, unknown, expired or revoked session or key."""


class PermissionDeniedError(ServiceError):
    """The caller is known but may not do this (role, scope or sharing)."""


class RateLimitedError(ServiceError):
    """Too many attempts; `retry_after_s` says when to try again.

    Attributes:
        retry_after_s: whole seconds until an attempt is accepted again (at least 1).
    """

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, retry_after_s)


class BudgetExceededError(ConflictError):
    """An enforced monthly budget is used up: the run is refused (409).

    Attributes:
        scope: the budget's scope, "overall" or "workflow:<id>".
        limit_micros: its monthly limit in micro-dollars.
        spent_micros: what was spent in it this UTC month, in micro-dollars.
    """

    def __init__(self, message: str, *, scope: str, limit_micros: int, spent_micros: int) -> None:
        super().__init__(message)
        self.scope = scope
        self.limit_micros = limit_micros
        self.spent_micros = spent_micros
