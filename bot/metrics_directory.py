"""prometheus_client's multiprocess mode: the directory where every process of one `serve` keeps its
counters (`PROMETHEUS_MULTIPROC_DIR`), so that a scrape of any of them adds them all up.

Apart from `bot.metrics` because the directory must be emptied, or made for the workers, before any
metric exists: before prometheus_client's metrics are imported.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def configured() -> str | None:
    """The directory, when this process counts in multiprocess mode."""
    return os.environ.get(VARIABLE) or None


def empty_stale() -> None:
    """Counters left by an earlier run would be added to this one's: they go. One `serve` per
    directory: its processes share it."""
    directory = configured()
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


@contextlib.contextmanager
def for_workers() -> Iterator[str]:
    """The workers' directory: the operator's (emptied by `empty_stale`), or else a new temporary one,
    removed once the workers are gone. Set in the environment they inherit, before any of them imports
    prometheus_client."""
    given = configured()
    if given:
        yield given
        return
    directory = tempfile.mkdtemp(prefix="starleads-bot-metrics-")
    os.environ[VARIABLE] = directory
    try:
        yield directory
    finally:
        del os.environ[VARIABLE]
        shutil.rmtree(directory, ignore_errors=True)
