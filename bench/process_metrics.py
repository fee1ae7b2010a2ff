"""CPU time and resident memory of a process and all its descendants (psutil), for the
server benchmarks."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any

import psutil

RSS_SAMPLE_S = 0.5


def process_tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the live process tree."""
    total = 0.0
    for process in process_tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total


@dataclass
class RssSampler:
    """Samples the tree's resident memory in a thread; keeps the peak and its breakdown."""

    pid: int
    peak_bytes: int = 0
    peak_processes: list[dict[str, Any]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        """Reads the RSS of every process of the tree once."""
        processes = []
        for process in process_tree(self.pid):
            with contextlib.suppress(psutil.NoSuchProcess):
                command = " ".join(process.cmdline()[:4])
                processes.append({"command": command, "rss_mb": process.memory_info().rss / 2**20})
        total = int(sum(p["rss_mb"] for p in processes) * 2**20)
        if total > self.peak_bytes:
            self.peak_bytes, self.peak_processes = total, processes

    def __enter__(self) -> RssSampler:
        def loop() -> None:
            while not self._stop.wait(RSS_SAMPLE_S):
                self.sample()

        self.sample()
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()
