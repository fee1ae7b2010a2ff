"""The `flowbook` CLI as people run it: a subprocess on files in a temporary folder."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.cli import serve_environment
from tests.documents import chain, greeting, node

REPO_ROOT = Path(__file__).resolve().parent.parent


def flowbook(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m app.cli ARGS` from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write(tmp_path: Path, document: Any, name: str = "flow.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_run_prints_the_result_as_json(tmp_path: Path) -> None:
    path = write(tmp_path, greeting())
    result = flowbook("run", str(path), "--input", '{"name": "Ada"}')
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["status"] == "succeeded"
    assert printed["error"] is None
    assert "Hello Ada" in json.dumps(printed["output"])
    assert printed["nodes"] == {"start": "succeeded", "greet": "succeeded", "result": "succeeded"}


def test_run_accepts_a_workflow_object_from_the_api(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": 3, "name": "Greeter", "definition": greeting()})
    result = flowbook("run", str(path), "--input", '{"name": "Grace"}')
    assert result.returncode == 0, result.stderr
    assert "Hello Grace" in json.dumps(json.loads(result.stdout)["output"])


def test_failing_workflow_exits_1_with_the_error(tmp_path: Path) -> None:
    document = chain(
        node("start", "manual_trigger"),
        node("boom", "transform", mode="jmespath", expression="abs(@)"),
        node("after", "output"),
    )
    result = flowbook("run", str(write(tmp_path, document)), "--input", '"not a number"')
    assert result.returncode == 1, (result.stdout, result.stderr)
    printed = json.loads(result.stdout)
    assert printed["status"] == "failed"
    assert printed["error"]
    assert printed["error_node_id"] == "boom"
    assert printed["nodes"]["boom"] == "failed"
    assert printed["nodes"]["after"] != "succeeded"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"schema": 1, "nodes": [', "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "not a valid workflow"),
    ],
)
def test_malformed_file_exits_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    result = flowbook("run", str(path))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert message in result.stderr


def test_invalid_workflow_exits_2_naming_the_nodes(tmp_path: Path) -> None:
    document = chain(node("start", "manual_trigger"), node("mystery", "no_such_type"))
    result = flowbook("run", str(write(tmp_path, document)))
    assert result.returncode == 2
    assert "mystery" in result.stderr
    assert "unknown_type" in result.stderr


def test_graph_problems_exit_2(tmp_path: Path) -> None:
    document = chain(node("a", "transform"), node("b", "output"))
    result = flowbook("run", str(write(tmp_path, document)))
    assert result.returncode == 2
    assert "no_trigger" in result.stderr


def test_missing_file_and_bad_input_exit_2(tmp_path: Path) -> None:
    missing = flowbook("run", str(tmp_path / "absent.json"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr

    bad_input = flowbook("run", str(write(tmp_path, greeting())), "--input", "{name: Ada}")
    assert bad_input.returncode == 2
    assert "--input" in bad_input.stderr


def test_migrate_creates_the_schema(tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"
    result = flowbook("migrate", env={"DATABASE_URL": f"sqlite:///{database}"})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "alembic_version" in tables
    assert {"workflows", "executions", "node_runs"} <= tables


def test_no_command_is_a_usage_error() -> None:
    result = flowbook()
    assert result.returncode == 2
    assert "usage: flowbook" in result.stderr


def test_serve_environment_uses_the_repo_bun_and_no_telemetry() -> None:
    env = serve_environment({"PATH": "/usr/bin", "KEEP": "1"}, port=4100)
    assert env["PATH"].split(os.pathsep)[0] == str(REPO_ROOT / ".tools" / "node_modules" / ".bin")
    assert env["PATH"].endswith("/usr/bin")
    assert env["REFLEX_TELEMETRY_ENABLED"] == "false"
    assert env["REFLEX_USE_SYSTEM_BUN"] == "1"
    assert env["FLOWBOOK_FRONTEND_PORT"] == env["FLOWBOOK_BACKEND_PORT"] == "4100"
    assert env["KEEP"] == "1"


def test_serve_help_lists_the_port_option() -> None:
    result = flowbook("serve", "--help")
    assert result.returncode == 0
    assert "--port" in result.stdout
