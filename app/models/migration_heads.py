"""The code's migration head(s) and the database's revision, read without Alembic.

Alembic (with Mako and every dialect's DDL module) costs a serving process about 10 MB that
it would keep for its whole life only to learn, at each start, that the schema is current.
So the heads are read from the migration scripts' `revision` and `down_revision`
assignments (parsed with `ast`, not imported) and compared with the database's
`alembic_version`; Alembic itself is imported only when there is something to upgrade.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlmodel import Session

from app.models.db import REPO_ROOT

VERSIONS_DIR = REPO_ROOT / "alembic" / "versions"
_NAMES = frozenset({"revision", "down_revision"})


def _assigned(path: Path) -> dict[str, Any]:
    """The script's module-level `revision` and `down_revision` values."""
    values: dict[str, Any] = {}
    targets: list[ast.expr]
    for statement in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        if isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        elif isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in _NAMES:
                values[target.id] = ast.literal_eval(value)
    return values


@functools.cache
def code_heads(versions_dir: Path = VERSIONS_DIR) -> frozenset[str]:
    """The revisions no other migration script revises (read once per process)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in sorted(versions_dir.glob("*.py")):
        values = _assigned(path)
        if "revision" not in values:
            continue
        revisions.add(values["revision"])
        down = values.get("down_revision")
        revised.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - revised)


def database_revisions(connection: Connection | Session) -> frozenset[str]:
    """The revision(s) the database's schema is at (`alembic_version`).

    Raises:
        sqlalchemy.exc.DBAPIError: the table does not exist (a database never migrated).
    """
    rows = connection.execute(text("SELECT version_num FROM alembic_version"))
    return frozenset(row[0] for row in rows)
