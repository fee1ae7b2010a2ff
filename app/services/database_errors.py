"""The database's errors, named for the layers that must not import SQLAlchemy (the API's
error handler answers them with a generic message and logs the detail)."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

# Every error SQLAlchemy raises (its text holds the SQL statement).
DatabaseError: type[Exception] = SQLAlchemyError
