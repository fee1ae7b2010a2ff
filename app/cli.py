"""The `flowbook` command: run a workflow headless, migrate the database, serve the app.

`flowbook run FILE.json [--input JSON]` prints the result as JSON and exits 0 when the run
succeeded, 1 when it failed or was cancelled, and 2 when the file or the input is invalid,
so workflows can be tested in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.cli_users import add_user_commands
from app.engine.events import ExecutionResult, RunStatus
from app.engine.executor import run_workflow
from app.engine.nodes import default_registry
from app.engine.spec import WorkflowSpec
from app.engine.validation import Problem, parse_document
from app.services.run_services import build_run_services
from app.services.startup import migrate_database

EXIT_OK = 0
EXIT_RUN_FAILED = 1
EXIT_INVALID = 2
DEFAULT_PORT = 3000
REPO_ROOT = Path(__file__).resolve().parent.parent


class InvalidUsage(Exception):
    """The file or the input cannot be used; the message says why."""


def _format_problems(problems: Sequence[Problem]) -> str:
    lines = []
    for problem in problems:
        where = next(
            (
                f"{kind} {value}"
                for kind, value in (
                    ("node", problem.node_id),
                    ("edge", problem.edge_id),
                    ("field", problem.field),
                )
                if value
            ),
            "workflow",
        )
        lines.append(f"  - {problem.code} ({where}): {problem.message}")
    return "\n".join(lines)


def load_workflow(path: Path) -> WorkflowSpec:
    """Read a workflow document (or an API workflow object with a `definition`).

    Raises:
        InvalidUsage: the file is unreadable, not JSON, or not a workflow document.
    """
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidUsage(f"cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidUsage(f"{path} is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise InvalidUsage(f"{path} is nested too deeply") from exc
    if isinstance(document, dict) and "nodes" not in document and "definition" in document:
        document = document["definition"]
    spec, problems = parse_document(document, default_registry())
    if spec is None or problems:
        raise InvalidUsage(f"{path} is not a valid workflow:\n{_format_problems(problems)}")
    return spec


def parse_input(raw: str | None) -> Any:
    """The trigger payload from `--input` (JSON); None when not given."""
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InvalidUsage(f"--input is not valid JSON: {exc}") from exc


def result_document(result: ExecutionResult) -> dict[str, Any]:
    """The JSON printed by `flowbook run`."""
    return {
        "status": result.status.value,
        "output": result.output,
        "error": result.error,
        "error_node_id": result.error_node_id,
        "nodes": {node_id: status.value for node_id, status in result.node_status.items()},
    }


def command_run(args: argparse.Namespace) -> int:
    """Run a workflow file in memory and print its result.

    The document is fully validated (structure and graph) before the run starts, so every
    problem is reported at once with exit code 2.
    """
    try:
        spec = load_workflow(Path(args.file))
        payload = parse_input(args.input)
        result = asyncio.run(_run_in_memory(spec, payload))
    except InvalidUsage as exc:
        print(f"flowbook: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(json.dumps(result_document(result), indent=2, ensure_ascii=False, default=str))
    return EXIT_OK if result.status is RunStatus.SUCCEEDED else EXIT_RUN_FAILED


async def _run_in_memory(spec: WorkflowSpec, payload: Any) -> ExecutionResult:
    return await run_workflow(
        spec,
        registry=default_registry(),
        trigger_payload=payload,
        services=build_run_services(settings=None),
    )


def command_migrate(args: argparse.Namespace) -> int:
    """Upgrade the database to the latest schema."""
    migrate_database()
    print("flowbook: database is up to date", file=sys.stderr)
    return EXIT_OK


def serve_environment(base: dict[str, str], port: int) -> dict[str, str]:
    """The environment the page build and the server need: no telemetry, the bun from
    `.tools`.

    Production mode serves pages, events and `/api` on one port, so both port settings
    read by rxconfig.py get the same value (the built pages connect to it).
    """
    env = dict(base)
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["REFLEX_USE_SYSTEM_BUN"] = "1"
    env["PATH"] = os.pathsep.join(
        [str(REPO_ROOT / ".tools" / "node_modules" / ".bin"), env.get("PATH", "")]
    )
    env["FLOWBOOK_FRONTEND_PORT"] = env["FLOWBOOK_BACKEND_PORT"] = str(port)
    return env


def command_serve(args: argparse.Namespace) -> int:
    """Migrate, build the pages, then replace this process with the app (`app/serve.py`):
    one process serves pages, events and /api, instead of `reflex run --env prod`'s
    supervisor plus worker, each holding the app."""
    migrate_database()
    env = serve_environment(dict(os.environ), args.port)
    os.chdir(REPO_ROOT)
    build = [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip"]
    built = subprocess.run([*build, "--env", "prod"], env=env, check=False)
    if built.returncode != 0:
        print("flowbook: building the pages failed", file=sys.stderr)
        return built.returncode
    command = [sys.executable, "-m", "app.serve", "--port", str(args.port)]
    os.execvpe(command[0], command, env)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its sub-commands."""
    parser = argparse.ArgumentParser(prog="flowbook", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a workflow file headless and print JSON")
    run.add_argument("file", help="workflow document (.json)")
    run.add_argument("--input", help='trigger payload as JSON, e.g. \'{"name": "Ada"}\'')
    run.set_defaults(handler=command_run)

    migrate = commands.add_parser("migrate", help="upgrade the database schema")
    migrate.set_defaults(handler=command_migrate)

    serve = commands.add_parser("serve", help="migrate, then serve the app (production)")
    serve.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("FLOWBOOK_FRONTEND_PORT") or DEFAULT_PORT),
        help="the one port of pages, events and /api (default: FLOWBOOK_FRONTEND_PORT or 3000)",
    )
    serve.set_defaults(handler=command_serve)

    add_user_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `flowbook` script.

    Args:
        argv: arguments without the program name; defaults to `sys.argv[1:]`.

    Returns:
        The process exit code.
    """
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
