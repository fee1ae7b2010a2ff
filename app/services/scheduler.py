"""The schedules' firing runtime: one leader process fires every schedule of the database.

Every serving process runs a `ScheduleRuntime` (started by the serving lifespan). It tries
to become the leader once a second (`scheduler_leader`); the leader runs an APScheduler
`AsyncIOScheduler` holding one date job per distinct fire instant, at the enabled
schedules' `next_fire_at` as the database says (so the DST policy of `app.engine.cron_times`
is the only one). A job fires every schedule placed at its instant together, in writes of up
to `MAX_BATCH` schedules each (`schedule_firing.fire_schedules`: a few set-based statements
per write, however many schedules share the instant), and places each schedule again at the
next fire time that write stored. A write that fails is tried again one schedule at a
time, so one schedule's failure never holds the others back.

The database is the source of truth: on becoming leader, and whenever a cheap aggregate of
the schedules (count, highest id, sum of revisions, newest updated_at) changes, which it
polls once a second so edits from any process are seen, the leader re-reads the schedules
and re-places every job whose (revision, next_fire_at) moved. A job placed for an older
revision that fires anyway writes nothing (the firing compares the revision), so an edit
never leaves the old schedule firing; every schedule is also re-read once a minute. The
same once-a-second tick starts due retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Engine, func, select

from app.models.db import get_engine
from app.models.types import utc_now
from app.services.db_threads import run_db, run_write
from app.services.error_capture import capture_error
from app.services.schedule_firing import SCHEDULES, fire_schedules
from app.services.schedule_metrics import count_fires
from app.services.schedule_retries import (
    due_retries,
    finished_fires,
    start_retry,
    watched_fires,
)
from app.services.scheduler_leader import LeaderLock, leader_lock_for

logger = logging.getLogger(__name__)

SCHEDULER_ENV = "FLOWBOOK_SCHEDULER"
POLL_INTERVAL_S = 1.0
# Re-read every schedule this often even when nothing changed (a safety net: no job is ever
# lost for longer than this, whatever happened to it).
FULL_RELOAD_S = 60.0
MAX_INSTANCES = 1_000
# Schedules fired by one write: one instant's schedules take ceil(n / MAX_BATCH) writes,
# which the group-commit writer may commit together.
MAX_BATCH = 500

_AGGREGATE = select(
    func.count(SCHEDULES.c.id),
    func.max(SCHEDULES.c.id),
    func.sum(SCHEDULES.c.revision),
    func.max(SCHEDULES.c.updated_at),
)
_PLACEABLE = select(SCHEDULES.c.id, SCHEDULES.c.revision, SCHEDULES.c.next_fire_at).where(
    SCHEDULES.c.enabled.is_(True), SCHEDULES.c.next_fire_at.is_not(None)
)


def _read(engine: Engine, statement: Any) -> list[Any]:
    with engine.execution_options(sqlite_begin="DEFERRED").connect() as connection:
        return list(connection.execute(statement).all())


@dataclass
class _Leading:
    """What the leader keeps between ticks."""

    scheduler: AsyncIOScheduler
    # schedule id -> (revision, next_fire_at) its job was placed for
    placed: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    # fire instant -> {schedule id: revision} of the schedules its (pending) job fires
    instants: dict[datetime, dict[int, int]] = field(default_factory=dict)
    # fire id -> execution id of started runs that may need a retry
    watched: dict[int, int] = field(default_factory=dict)
    aggregate: tuple[Any, ...] | None = None
    dirty: bool = True
    reloaded_at: float = 0.0


class ScheduleRuntime:
    """Leadership, jobs and ticks of one process (see the module's docstring)."""

    def __init__(self, poll_interval_s: float = POLL_INTERVAL_S) -> None:
        self._poll_s = poll_interval_s
        self._task: asyncio.Task[None] | None = None
        self._leading: _Leading | None = None
        # Firings under way: a stop waits for them, so that a committed fire's runs start.
        self._firing: set[asyncio.Task[None]] = set()

    @property
    def is_leader(self) -> bool:
        """Whether this process fires the schedules now."""
        return self._leading is not None

    @property
    def running(self) -> bool:
        """Whether the runtime's task is alive (leading or waiting to lead)."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start competing for leadership on the running event loop."""
        if not self.running:
            self._task = asyncio.create_task(self._compete(), name="schedule-runtime")

    async def stop(self) -> None:
        """Stop firing and give leadership up (another process takes over within a
        second or so)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if self._firing:
            await asyncio.gather(*self._firing, return_exceptions=True)

    async def _compete(self) -> None:
        engine = get_engine()
        lock = leader_lock_for(engine)
        try:
            while True:
                try:
                    won = await asyncio.to_thread(lock.try_acquire)
                except Exception:
                    logger.exception("could not try the scheduler's leadership lock")
                    won = False
                if won:
                    try:
                        await self._lead(engine, lock)
                    except Exception:
                        logger.exception("the scheduler's leader failed; competing again")
                await asyncio.sleep(self._poll_s)
        finally:
            await asyncio.to_thread(lock.release)

    async def _lead(self, engine: Engine, lock: LeaderLock) -> None:
        logger.info("this process leads the scheduler")
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.start()
        leading = self._leading = _Leading(scheduler)
        try:
            leading.watched = await run_db(_watched, engine)
            while True:
                try:
                    await self._tick(engine, leading)
                except Exception:
                    logger.exception("the scheduler's tick failed; trying again")
                    leading.dirty = True
                await asyncio.sleep(self._poll_s)
                if not await asyncio.to_thread(lock.still_held):
                    logger.warning("the scheduler lost its leadership lock")
                    return
        finally:
            self._leading = None
            scheduler.shutdown(wait=False)
            await asyncio.to_thread(lock.release)

    async def _tick(self, engine: Engine, leading: _Leading) -> None:
        (aggregate,) = await run_db(_read, engine, _AGGREGATE)
        now = time.monotonic()
        if (
            leading.dirty
            or tuple(aggregate) != leading.aggregate
            or now - leading.reloaded_at > FULL_RELOAD_S
        ):
            leading.dirty = False
            leading.aggregate = tuple(aggregate)
            leading.reloaded_at = now
            self._sync(leading, await run_db(_read, engine, _PLACEABLE))
        if leading.watched:
            done = await run_write(finished_fires, dict(leading.watched))
            for fire_id in done:
                leading.watched.pop(fire_id, None)
        for fire_id, attempt in await run_db(_due_retries, engine):
            queued = await run_write(start_retry, fire_id, attempt)
            if queued is not None:
                leading.watched[fire_id] = queued.execution.id
                queued.submit()

    def _sync(self, leading: _Leading, rows: list[Any]) -> None:
        """Place each schedule whose (revision, next_fire_at) moved; drop the others'."""
        wanted = {row.id: (row.revision, row.next_fire_at) for row in rows}
        for schedule_id in set(leading.placed) - set(wanted):
            self._unplace(leading, schedule_id)
        for schedule_id, key in wanted.items():
            if leading.placed.get(schedule_id) != key:
                self._place(leading, schedule_id, *key)

    def _unplace(self, leading: _Leading, schedule_id: int) -> None:
        """Take a schedule off its instant's job (and drop the job it leaves empty)."""
        key = leading.placed.pop(schedule_id, None)
        members = leading.instants.get(key[1]) if key is not None else None
        if key is None or members is None:
            return
        members.pop(schedule_id, None)
        if not members:
            del leading.instants[key[1]]
            with contextlib.suppress(Exception):
                leading.scheduler.remove_job(_job_id(key[1]))

    def _place(self, leading: _Leading, schedule_id: int, revision: int, due: datetime) -> None:
        self._unplace(leading, schedule_id)
        leading.placed[schedule_id] = (revision, due)
        members = leading.instants.get(due)
        if members is None:
            members = leading.instants[due] = {}
            leading.scheduler.add_job(
                self._fire,
                DateTrigger(run_date=due, timezone=UTC),
                args=(leading, due),
                id=_job_id(due),
                replace_existing=True,
                # Lateness is the schedules' own business (grace, misfire policy): always
                # run, even while an earlier job of this instant is still placing this one.
                misfire_grace_time=None,
                max_instances=MAX_INSTANCES,
            )
        members[schedule_id] = revision

    async def _fire(self, leading: _Leading, due: datetime) -> None:
        # Every schedule placed at this instant from now on gets a job of its own.
        members = leading.instants.pop(due, {})
        due_now = [
            (schedule_id, revision)
            for schedule_id, revision in members.items()
            if leading.placed.get(schedule_id) == (revision, due)
        ]
        # Shielded: a stop (or APScheduler's shutdown) must not cut a firing between the
        # commit of its runs and their start.
        tasks = [
            asyncio.create_task(self._fire_now(leading, due_now[i : i + MAX_BATCH], due))
            for i in range(0, len(due_now), MAX_BATCH)
        ]
        for task in tasks:
            self._firing.add(task)
            task.add_done_callback(self._firing.discard)
        # APScheduler's shutdown cancels this job: the firings go on (`stop` awaits them),
        # and the job ends quietly rather than being logged as failed.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(asyncio.gather(*tasks))

    async def _fire_now(
        self, leading: _Leading, batch: list[tuple[int, int]], due: datetime
    ) -> None:
        try:
            outcomes = await run_write(
                fire_schedules, [(schedule_id, due, revision) for schedule_id, revision in batch]
            )
        except Exception as exc:
            if len(batch) > 1:
                await asyncio.gather(*(self._fire_now(leading, [one], due) for one in batch))
                return
            logger.exception("schedule %s could not fire at %s", batch[0][0], due)
            capture_error(
                "scheduler", error=exc, context={"schedule_id": batch[0][0], "due": due.isoformat()}
            )
            leading.placed.pop(batch[0][0], None)
            leading.dirty = True
            return
        count_fires(due, outcomes.values())
        for schedule_id, revision in batch:
            outcome = outcomes[schedule_id]
            for fire_id, queued in outcome.started:
                if outcome.retries:
                    leading.watched[fire_id] = queued.execution.id
                queued.submit()
            if outcome.stale:
                leading.dirty = True
            elif leading.placed.get(schedule_id) == (revision, due):
                # Unless a re-read placed a newer revision meanwhile.
                if outcome.next_fire_at is None:
                    del leading.placed[schedule_id]
                else:
                    self._place(leading, schedule_id, revision, outcome.next_fire_at)


def _job_id(due: datetime) -> str:
    return f"fire-at-{due.isoformat()}"


def _watched(engine: Engine) -> dict[int, int]:
    with engine.execution_options(sqlite_begin="DEFERRED").connect() as connection:
        return watched_fires(connection, utc_now())


def _due_retries(engine: Engine) -> list[tuple[int, int]]:
    with engine.execution_options(sqlite_begin="DEFERRED").connect() as connection:
        return due_retries(connection, utc_now())


_runtime: ScheduleRuntime | None = None


def scheduler_enabled() -> bool:
    """Whether serving processes fire schedules (env FLOWBOOK_SCHEDULER=off stops it)."""
    return os.environ.get(SCHEDULER_ENV, "on").strip().lower() not in {"off", "0", "false", "no"}


def start_scheduler() -> ScheduleRuntime | None:
    """Start this process's schedule runtime (serving lifespan); None when disabled."""
    global _runtime
    if not scheduler_enabled():
        return None
    if _runtime is None:
        _runtime = ScheduleRuntime()
    _runtime.start()
    return _runtime


async def stop_scheduler() -> None:
    """Stop this process's schedule runtime (serving lifespan)."""
    global _runtime
    runtime, _runtime = _runtime, None
    if runtime is not None:
        await runtime.stop()


def scheduler_runtime() -> ScheduleRuntime | None:
    """This process's schedule runtime, if started."""
    return _runtime
