"""What the benchmarks share: the stand-ins in a process of their own, a process's CPU time, and
keeping the garbage collector out of the measurements.

The stand-ins are Python `ThreadingHTTPServer`s; sharing a process (and its GIL) with the load
generator would distort the latencies they record, so each benchmark runs them in a spawned process
and talks to it over a pipe.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class StandInProcess:
    """The parent's end: start `serve(child_end, *args)`, which first sends (bot env, response URL)."""

    def __init__(self, serve: Callable[..., None], *args: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(target=serve, args=(child_end, *args), daemon=True)
        self._process.start()
        self.env, self.response_url = self.receive(timeout=20)

    def ask(self, request: Any, timeout: float) -> Any:
        self._pipe.send(request)
        return self.receive(timeout)

    def stop(self) -> Any:
        """Stop the process; return its last word."""
        try:
            return self.ask(None, timeout=10)
        finally:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()

    def receive(self, timeout: float) -> Any:
        if not self._pipe.poll(timeout):
            raise RuntimeError(f"the stand-ins did not answer within {timeout:.0f} s")
        return self._pipe.recv()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CollectorPauses:
    """The garbage collector's pauses in this process: the longest, in ms.

    A process that keeps what it measures (the stand-in records every request, the load generator
    every latency) grows a heap that each full collection scans whole: 50–180 ms by the middle of a
    `load.py` run, stopping the stand-in's stamping or the generator's sending in the middle of a
    burst, which then looked slow for whichever app it was measuring. `between_bursts()` leaves what
    is alive out of later scans; the longest pause left is printed with the figures, to show that the
    instruments no longer pause."""

    def __init__(self) -> None:
        self.longest_ms = 0.0
        self._started = 0.0
        gc.callbacks.append(self._timed)

    @staticmethod
    def between_bursts() -> None:
        gc.freeze()

    def _timed(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._started) * 1000)
