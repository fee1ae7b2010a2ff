"""Start the real app (`reflex run`) for the browser tests and stop it afterwards."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 10.0
MAKE_RUN_TIMEOUT_S = 900.0
SERVE_TIMEOUT_S = 600.0
# Set by the test harness or a developer's venv; a new user's shell has none of them.
HARNESS_VARIABLES = (
    "DATABASE_URL",
    "FLOWBOOK_DATA_DIR",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    # `make test` runs the e2e tests: the clone's `make run` must not inherit the outer make's.
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AppProcess:
    """A running `reflex run` in its own process group."""

    # None: another process started it (and stops it), e.g. e2e/shared_make_run.py.
    process: subprocess.Popen[bytes] | None
    frontend_url: str
    backend_url: str
    log_path: Path
    # time.monotonic() when both ports first answered (0 until then).
    ready_at: float = 0.0
    pid: int = 0

    def alive(self) -> bool:
        """Whether the app's process still runs."""
        if self.process is not None:
            return self.process.poll() is None
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state != "Z"  # a zombie has exited (its parent has not reaped it yet)

    def log_tail(self, lines: int = 60) -> str:
        """The end of the app's output, for failure messages."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the whole process group (reflex, the backend worker and bun), when this
        process started it."""
        if self.process is None or self.process.poll() is not None:
            return
        pgid = os.getpgid(self.process.pid)
        os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT_S)
        # Children may outlive the leader; make sure nothing of the group stays.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)


def app_environment(work_dir: Path, frontend_port: int, backend_port: int) -> dict[str, str]:
    """The environment of the app under test: its own database, ports and build folder."""
    env = dict(os.environ)
    no_reload = work_dir / "no-reload"
    no_reload.mkdir(exist_ok=True)
    tools_bin = REPO_ROOT / ".tools" / "node_modules" / ".bin"
    venv_bin = Path(sys.executable).parent
    env.update(
        {
            "PATH": os.pathsep.join([str(tools_bin), str(venv_bin), env.get("PATH", "")]),
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "DATABASE_URL": f"sqlite:///{work_dir / 'e2e.db'}",
            "FLOWBOOK_FRONTEND_PORT": str(frontend_port),
            "FLOWBOOK_BACKEND_PORT": str(backend_port),
            # A build folder of its own, so a developer's `make run` is left alone.
            "REFLEX_WEB_WORKDIR": str(work_dir / "web"),
            "REFLEX_STATES_WORKDIR": str(work_dir / "states"),
            # Watch an empty folder only: an edit in the repo must not restart the
            # backend (and cancel its runs) in the middle of a test.
            "REFLEX_HOT_RELOAD_OVERRIDE_PATHS": str(no_reload),
            # The closed port the monitoring test points a provider at (a dead local model
            # server): provider base URLs go through the SSRF guard like the HTTP node.
            "FLOWBOOK_HTTP_ALLOWLIST": "127.0.0.1:9",
        }
    )
    return env


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def start_app(work_dir: Path, *, prod: bool = False) -> AppProcess:
    """Run `reflex run` on free ports and wait until both the backend and frontend answer.

    Args:
        work_dir: a scratch folder for the database, the build and the log.
        prod: run the production build on one port (`--env prod --single-port`) instead of
            the dev server (the benchmarks measure both).

    Raises:
        RuntimeError: the app exited or did not become ready in time (with its log).
    """
    backend_port = free_port()
    frontend_port = backend_port if prod else free_port()
    mode = ["--env", "prod", "--single-port"] if prod else []
    command = [sys.executable, "-m", "reflex", "run", *mode]
    command += ["--frontend-port", str(frontend_port), "--backend-port", str(backend_port)]
    return launch(
        command,
        cwd=REPO_ROOT,
        env=app_environment(work_dir, frontend_port, backend_port),
        log_path=work_dir / "reflex.log",
        ports=(frontend_port, backend_port),
        timeout_s=STARTUP_TIMEOUT_S,
    )


def launch(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    ports: tuple[int, int],
    timeout_s: float,
) -> AppProcess:
    """Start `command` in its own process group and wait until the app answers.

    Args:
        ports: the frontend and backend ports the command serves on.

    Raises:
        RuntimeError: the command exited or the app did not answer in time (with its log).
    """
    app = spawn(command, cwd=cwd, env=env, log_path=log_path, ports=ports)
    return wait_ready(app, timeout_s)


def spawn(
    command: list[str], *, cwd: Path, env: dict[str, str], log_path: Path, ports: tuple[int, int]
) -> AppProcess:
    """Start `command` in its own process group, serving on `ports` (frontend, backend)."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return AppProcess(
        process=process,
        frontend_url=f"http://localhost:{ports[0]}",
        backend_url=f"http://localhost:{ports[1]}",
        log_path=log_path,
        pid=process.pid,
    )


def wait_ready(app: AppProcess, timeout_s: float) -> AppProcess:
    """Wait until the app's backend and frontend answer (noting when in `ready_at`).

    Raises:
        RuntimeError: the command exited or the app did not answer in time (with its log);
            in time, it is stopped.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not app.alive():
            code = "" if app.process is None else f" with {app.process.returncode}"
            raise RuntimeError(f"the app exited{code}:\n{app.log_tail()}")
        if _ready(f"{app.backend_url}/ping") and _ready(app.frontend_url):
            app.ready_at = time.monotonic()
            return app
        time.sleep(0.5)
    app.stop()
    raise RuntimeError(f"the app did not start within {timeout_s} s:\n{app.log_tail()}")


def start_serve(work_dir: Path) -> AppProcess:
    """Start `flowbook serve --port PORT` on a scratch database and build folder under
    `work_dir`; it serves only after the production build of the pages (minutes)."""
    port = free_port()
    return spawn(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        env=app_environment(work_dir, port, port),
        log_path=work_dir / "serve.log",
        ports=(port, port),
    )


def user_environment(frontend_port: int, backend_port: int) -> dict[str, str]:
    """A shell like a new user's: no project venv on PATH, no Reflex or test settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("REFLEX_") and key not in HARNESS_VARIABLES
    }
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "").split(os.pathsep) if str(REPO_ROOT) not in entry
    )
    env["FLOWBOOK_FRONTEND_PORT"] = str(frontend_port)
    env["FLOWBOOK_BACKEND_PORT"] = str(backend_port)
    return env


def start_make_run(work_dir: Path) -> AppProcess:
    """Start `make run` in a fresh clone of HEAD under `work_dir`, on ports of its own; it
    serves only after minutes (the clone sets itself up: venv, packages, bun, database)."""
    clone = work_dir / "flowbook"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
    frontend_port, backend_port = free_port(), free_port()
    return spawn(
        ["make", "run"],
        cwd=clone,
        env=user_environment(frontend_port, backend_port),
        log_path=work_dir / "make-run.log",
        ports=(frontend_port, backend_port),
    )
