"""A serving process for the multi-process scheduler tests: runs the app's serving lifespan
(so its schedule runtime) on DATABASE_URL until SIGTERM, and writes `leader` / `follower`
to stdout each time its role changes.

    python -m tests.services.scheduler_process
"""

from __future__ import annotations

import asyncio
import signal

from app.services.lifespan import serving_lifespan
from app.services.scheduler import scheduler_runtime


async def serve() -> None:
    """Serve until SIGTERM, reporting the scheduler role."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with serving_lifespan():
        runtime = scheduler_runtime()
        assert runtime is not None
        role = None
        print("serving", flush=True)
        while not stop.is_set():
            now = "leader" if runtime.is_leader else "follower"
            if now != role:
                role = now
                print(role, flush=True)
            await asyncio.sleep(0.05)


if __name__ == "__main__":
    asyncio.run(serve())
