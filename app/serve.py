"""The app in production, in one process: pages, events and `/api` on one port.

`flowbook serve` builds the pages first (`reflex export --frontend-only`, a process that
exits when done), then runs this module. `reflex run --env prod` would keep a supervisor
process holding a second copy of the app (it compiles the pages itself, then forks a
Granian worker); here one process serves the compiled pages, the Reflex event socket and
the API with Granian embedded in its event loop (the ASGI lifespan runs as in `reflex run`).
SIGTERM and SIGINT stop it gracefully (runs are cancelled and written as such).

The loop is uvloop's: Granian's I/O thread hands every request to the loop with
`call_soon_threadsafe`, which asyncio's own loop pays for with a write to its self-pipe per
call; uvloop's coalesces those wake-ups (measured: about 10% more webhook calls per second
for the same CPU, `bench/webhooks.py`).

Run with `python -m app.serve --port PORT` after the pages are built (see `app/cli.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

import uvloop

# Reflex reads these when it is imported: the pages are built already (skip compiling
# them again), and the built pages are served by this backend.
os.environ["REFLEX_ENV_MODE"] = "prod"
os.environ["__REFLEX_SKIP_COMPILE"] = "true"
os.environ["__REFLEX_MOUNT_FRONTEND_COMPILED_APP"] = "true"

from granian.constants import Interfaces
from granian.server.embed import Server
from reflex.utils.prerequisites import get_and_validate_app

from app.api.allowed_origins import bind_host


async def serve(port: int, host: str | None = None) -> None:
    """Serve the Reflex app (which mounts `/api`) until SIGTERM or SIGINT.

    Args:
        port: the one port of pages, events and `/api`.
        host: the interface; default `FLOWBOOK_HOST`, else 127.0.0.1 (this machine only).
    """
    server = Server(
        target=get_and_validate_app().app,
        factory=True,
        address=host or bind_host(),
        port=port,
        interface=Interfaces.ASGI,
    )
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, server.signal_handler_interrupt)
    await server.serve()


def main() -> None:
    """Parse `--port` and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    uvloop.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
