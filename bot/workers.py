"""`serve` as several worker processes behind one port (`WEB_CONCURRENCY`), under uvicorn's supervisor.

`bot.cli` has parsed the settings and upgraded the schema, once, in this (the parent) process. Here
the parent binds the port and hands it to uvicorn's supervisor, without importing the Slack side or
the web app (it serves nothing itself): uvicorn spawns the workers (fresh interpreters, not forks),
each building a bot of its own in `bot.cli:worker_app`, and starts a new one when one dies. SIGTERM
to the parent reaches every worker, which stops as a single process does (its in-flight work
drained). The workers share the database (the result poster's and forwarder's claims are leases, so
they take turns) and, for `/metrics`, prometheus_client's multiprocess directory, so that any
worker's page adds up all of them.
"""

from __future__ import annotations

import logging
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from bot import metrics_directory

logger = logging.getLogger(__name__)

HOST = "0.0.0.0"  # noqa: S104 - a server listens on all interfaces
# How uvicorn runs the bot, in one process or several: the bot's logging, its lifespan, 30 s to stop.
UVICORN_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "access_log": False,
    "lifespan": "on",
    "timeout_graceful_shutdown": 30,
}


def serve_workers(count: int, port: int) -> int:
    """Run `count` workers on `port` until SIGTERM or SIGINT has stopped them all, or one couldn't start
    (uvicorn's supervisor then stops the others rather than retry); the exit code: uvicorn's
    STARTUP_FAILURE in that case, so that a platform sees a failed start, else 0."""
    config = uvicorn.Config(
        "bot.cli:worker_app", factory=True, workers=count, host=HOST, port=port, **UVICORN_OPTIONS
    )
    with metrics_directory.for_workers() as directory:
        logger.info("serving workers=%d port=%d metrics_directory=%s", count, port, directory)
        supervisor = Multiprocess(config, sockets=[config.bind_socket()])
        supervisor.run()
    if any(worker.exitcode == STARTUP_FAILURE for worker in supervisor.processes):
        return STARTUP_FAILURE
    return 0
