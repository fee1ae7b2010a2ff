"""Two serving processes on one database (PostgreSQL and SQLite): one leads the scheduler,
every fire time of a schedule firing each second runs exactly once, and when the leader is
killed (SIGKILL) the other fires the next time within 5 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.models.schedule import ScheduleFire
from app.models.types import utc_now
from tests.documents import greeting
from tests.records import make_workflow
from tests.services.schedule_builders import (
    add_schedule,
    assert_once_per_fire_time,
    fires_of,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
HANDOVER_S = 5

pytestmark = [pytest.mark.slow, pytest.mark.timing]


def wait_until(check: Callable[[], bool], what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Server:
    """`tests.services.scheduler_process` in its own process group."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.log = log
        env = {**os.environ, "DATABASE_URL": database_url, "PYTHONDONTWRITEBYTECODE": "1"}
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.services.scheduler_process"],
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def role(self) -> str | None:
        roles = [line for line in self.log.read_text().split() if line in ("leader", "follower")]
        return roles[-1] if roles else None

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def servers(db_url: str, tmp_path: Path) -> Iterator[list[Server]]:
    started = [Server(db_url, tmp_path / f"server-{n}.log") for n in range(2)]
    yield started
    for server in started:
        server.stop()


def test_two_processes_fire_once_per_time_and_pass_leadership_on(
    servers: list[Server],
) -> None:
    workflow_id = make_workflow(greeting())
    schedule_id = add_schedule(workflow_id, allow_overlap=True)
    wait_until(
        lambda: all(s.role() for s in servers) and [s.role() for s in servers].count("leader") == 1,
        "one leader and one follower",
        timeout_s=90,
    )
    wait_until(lambda: len(fires_of(schedule_id)) >= 6, "six fires", timeout_s=15)
    (leader,) = [s for s in servers if s.role() == "leader"]
    (follower,) = [s for s in servers if s is not leader]

    leader.kill()
    killed_at = utc_now()
    wait_until(lambda: follower.role() == "leader", "the follower to lead", timeout_s=10)

    def fired_after_kill() -> list[ScheduleFire]:
        return [row for row in fires_of(schedule_id) if row.fire_time > killed_at]

    wait_until(lambda: len(fired_after_kill()) >= 6, "six fires after the kill", timeout_s=15)
    follower.stop()

    first = fired_after_kill()[0]
    assert first.started_at is not None
    assert first.started_at - killed_at < timedelta(seconds=HANDOVER_S)
    assert_once_per_fire_time(schedule_id, workflow_id)
