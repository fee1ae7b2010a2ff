"""`make run` in a fresh clone, started once by the pytest-xdist controller for every worker.

Its minutes of set-up (venv, packages, bun, first compile) and of steady serving then pass
while both workers run the other tests, whichever worker later takes its test: the
controller has nothing else to do and outlives every worker, so the app is never stopped
under a test that still uses it. The controller hands each worker where the app is
(`workerinput`); a thread of the controller writes when it first answered (or why it did
not) to a file beside its log, which the worker waits for.

Only a run that is sure to hold the test starts it (no `-k` or `-m`, and `e2e` or the
test's file among the arguments); otherwise a worker starts its own, as without xdist.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import pytest

from e2e.app_process import MAKE_RUN_TIMEOUT_S, AppProcess, start_make_run, wait_ready

WORKERINPUT_KEY = "shared_make_run"
TEST_FILE = Path(__file__).resolve().parent / "test_make_run.py"
_APP = pytest.StashKey[AppProcess]()


def selects_the_make_run_test(config: pytest.Config) -> bool:
    """Whether this run's arguments surely collect `test_make_run.py` (no filters)."""
    if config.option.keyword or config.option.markexpr:
        return False
    paths = (Path(config.invocation_params.dir, arg.split("::")[0]) for arg in config.args)
    return any(path.resolve() in (TEST_FILE, TEST_FILE.parent) for path in paths)


def hand_to_worker(config: pytest.Config, workerinput: dict[str, Any]) -> None:
    """Controller: start the app on the first call, tell the worker where it is."""
    app = config.stash.get(_APP, None)
    if app is None:
        app = start_make_run(Path(mkdtemp(prefix="flowbook-make-run-")))
        config.stash[_APP] = app
        threading.Thread(target=_note_ready, args=(app,), daemon=True).start()
    workerinput[WORKERINPUT_KEY] = {
        "pid": app.pid,
        "frontend_url": app.frontend_url,
        "backend_url": app.backend_url,
        "log_path": str(app.log_path),
    }


def stop_for_workers(config: pytest.Config) -> None:
    """Controller: stop the app once every worker is done, and remove its clone (a venv
    and a built frontend: about a gigabyte)."""
    app = config.stash.get(_APP, None)
    if app is not None:
        app.stop()
        shutil.rmtree(app.log_path.parent, ignore_errors=True)


def _ready_file(log_path: Path) -> Path:
    return log_path.with_suffix(".ready.json")


def _note_ready(app: AppProcess) -> None:
    try:
        wait_ready(app, MAKE_RUN_TIMEOUT_S)
        # Linux's monotonic clock counts from boot: the same in every process.
        note: dict[str, Any] = {"ready_at": app.ready_at}
    except RuntimeError as exc:
        note = {"error": str(exc)}
    written = _ready_file(app.log_path).with_suffix(".tmp")
    written.write_text(json.dumps(note))
    written.replace(_ready_file(app.log_path))  # a worker never reads half of it


def shared_make_run(config: pytest.Config) -> dict[str, Any] | None:
    """Worker: where the controller's app is, when it started one."""
    workerinput = getattr(config, "workerinput", {})
    shared: dict[str, Any] | None = workerinput.get(WORKERINPUT_KEY)
    return shared


def wait_shared(shared: dict[str, Any], timeout_s: float) -> AppProcess:
    """Worker: the controller's app once it answers.

    Raises:
        RuntimeError: it did not come up (with the controller's reason), or not in time.
    """
    app = AppProcess(
        process=None,
        frontend_url=shared["frontend_url"],
        backend_url=shared["backend_url"],
        log_path=Path(shared["log_path"]),
        pid=shared["pid"],
    )
    ready_file = _ready_file(app.log_path)
    deadline = time.monotonic() + timeout_s
    while not ready_file.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"make run did not start within {timeout_s} s:\n{app.log_tail()}")
        time.sleep(0.5)
    note = json.loads(ready_file.read_text())
    if "error" in note:
        raise RuntimeError(note["error"])
    app.ready_at = note["ready_at"]
    return app
