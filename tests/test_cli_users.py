"""`flowbook user create` as people run it: a subprocess on a fresh SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.test_cli import flowbook

PASSWORD = "correct horse battery staple"


def test_the_owner_is_created_headless_and_only_once(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "FLOWBOOK_PASSWORD": ""}
    args = ("user", "create", "--email", "Ada@Example.com", "--name", "Ada", "--password-stdin")
    first = flowbook(*args, env=env, stdin=f"{PASSWORD}\n")
    assert first.returncode == 0, first.stderr
    assert "created owner ada@example.com" in first.stderr
    second = flowbook(*args, env=env, stdin=f"{PASSWORD}\n")
    assert second.returncode == 2 and "owner already" in second.stderr

    viewer = flowbook(
        "user",
        "create",
        "--email",
        "vic@example.com",
        "--name",
        "Vic",
        "--role",
        "viewer",
        env={**env, "FLOWBOOK_PASSWORD": PASSWORD},
    )
    assert viewer.returncode == 0, viewer.stderr
    with sqlite3.connect(tmp_path / "fresh.db") as connection:
        rows = connection.execute("SELECT email, role, password_hash FROM users").fetchall()
    assert [(email, role) for email, role, _ in rows] == [
        ("ada@example.com", "owner"),
        ("vic@example.com", "viewer"),
    ]
    assert all(PASSWORD not in hashed for _, _, hashed in rows)


def test_a_weak_password_or_a_member_before_the_owner_is_refused(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "FLOWBOOK_PASSWORD": "short"}
    weak = flowbook("user", "create", "--email", "ada@example.com", "--name", "Ada", env=env)
    assert weak.returncode == 2 and "at least 12" in weak.stderr
    early = flowbook(
        "user",
        "create",
        "--email",
        "bob@example.com",
        "--name",
        "Bob",
        "--role",
        "editor",
        env={**env, "FLOWBOOK_PASSWORD": PASSWORD},
    )
    assert early.returncode == 2 and "Create the owner first" in early.stderr
