"""The expression payloads of issue 8 (and variants that only the deadline can stop), as
workflow documents, shared by the engine, API and CLI tests."""

from __future__ import annotations

import gc
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psutil

from tests.documents import chain, node

HEAVY_NODE = "Heavy node"

_SORTS = "([3,1,2]*333333)|sort(reverse=true)" + "|sort|sort(reverse=true)" * 5
_SQUARES = "".join(f"{{% set a{n} = a{n - 1}*a{n - 1} %}}" for n in range(1, 20))

# Issue 8, "Expressions", finding 2 and 1: each froze the server or took gigabytes.
ISSUE_PAYLOADS: dict[str, Any] = {
    "sort_chain": "{{ " + _SORTS + "|length }}",
    "square_chain": "{% set a0 = 2**4096 %}" + _SQUARES + "{{ a19|string|length }}",
    "sort_in_loop": (
        "{% for i in range(300) %}"
        "{% set x = ([3,1,2]*333333)|sort(reverse=true)|sort %}{% endfor %}"
    ),
    "join": "{{ (['a'*999999]*2000)|join|length }}",
    "percent_width": "{{ ('%(a)999999999s' % {'a': 1})|length }}",
    "replace": "{{ ('a'*1000).replace('a','a'*999999)|length }}",
    "tilde_chain": "{% set a = 'a'*999999 %}{{ (a ~ a ~ a ~ a ~ a ~ a ~ a ~ a)|length }}",
    "big_native_output": "{{ ['a'*999999]*300 }}",
}

# Within every size limit, so only the node's deadline can stop them; the last one is a
# transform whose template is a list of 60 strings that share that one deadline.
_SORTS_OF_20K = "|sort|sort(reverse=true)" * 30  # 60 sorts of 19,998 items each
TIME_PAYLOADS: dict[str, Any] = {
    "filter_chain": (
        "{% set a = ([3,1,2]*6666)" + _SORTS_OF_20K + " %}"
        "{% set b = a" + _SORTS_OF_20K + " %}{{ (b" + _SORTS_OF_20K + ")|length }}"
    ),
    "sort_in_loop": (
        "{% for i in range(300) %}{% set x = ([3,1,2]*6666)|sort(reverse=true)|sort %}{% endfor %}"
    ),
    "map_chain": "{{ range(100000)" + "|map('string')|map('upper')" * 30 + "|list|length }}",
    # One filter call, many seconds of Python inside it: only the per-call watch stops it.
    "one_long_filter": "{{ ('a' * 999999)|wordwrap(1, wrapstring='')|length }}",
    "sixty_templates": ["{{ ([3,1,2]*6666)" + "|sort|sort(reverse=true)" * 4 + "|length }}"] * 60,
}


def heavy_document(template: Any) -> dict[str, Any]:
    """manual trigger -> transform "Heavy node" (rendering `template`) -> output."""
    heavy = node("heavy", "transform", template=template)
    heavy["name"] = HEAVY_NODE
    return chain(node("start", "manual_trigger"), heavy, node("result", "output"))


def is_limit_error(error: str | None, kind: str = "time|size") -> bool:
    """Whether a run error is the expression limit error naming the heavy node."""
    if error is None or f"expression in node {HEAVY_NODE!r} exceeded its " not in error:
        return False
    return any(f"exceeded its {k} limit" in error for k in kind.split("|"))


def p99(samples: list[float]) -> float:
    """The 99th percentile (nearest rank) of some samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@contextmanager
def frozen_heap() -> Iterator[None]:
    """The heap as a serving process has it: `serving_lifespan` freezes everything built at
    start-up, so full garbage collections (which any thread's allocations can trigger, and
    which hold the GIL) do not walk it. A test process's heap is far bigger than an app's."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass
class MemoryGrowth:
    """How much the process's memory grew while a block ran (bytes)."""

    peak_rss: int = 0
    max_rss: int = 0


@contextmanager
def measured_memory() -> Iterator[MemoryGrowth]:
    """Measure the growth of the process's resident memory over the block: sampled every
    2 ms, and the kernel's high-water mark (which catches a spike between samples once it
    passes the process's earlier peak)."""
    growth = MemoryGrowth()
    process = psutil.Process()
    baseline = process.memory_info().rss
    high_water = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            growth.peak_rss = max(growth.peak_rss, process.memory_info().rss - baseline)
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield growth
    finally:
        done.set()
        sampler.join()
        growth.max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - high_water
