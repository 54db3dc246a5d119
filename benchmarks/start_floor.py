"""How low the bot's cold start can go: process start → imports done, for the minimal Bolt app and for
the same plus each library the bot's truthful `/healthz` needs before it can say 200.

`load.py` measures process start → `/healthz` 200 of the bot and of `minimal_bolt.py` (goal: within
1.3×). A `/healthz` that tells the truth needs the settings read (which mode, which secrets: the
settings are pydantic-settings) and the database (SQLAlchemy); no start-up can be faster than the
minimal app's imports plus theirs. Each line below is a fresh interpreter importing a set of modules,
timed from spawn to exit, the sets alternating, `--runs` times each; medians and their ratios to the
minimal app's set are printed. Nothing is asserted.

    .venv/bin/python benchmarks/start_floor.py [--runs 15]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
MINIMAL_APP = "minimal_bolt"  # imported, not run: exactly what the minimal app imports
IMPORT_SETS = {
    "minimal Bolt app": [MINIMAL_APP],
    "+ pydantic-settings": [MINIMAL_APP, "pydantic_settings"],
    "+ the bot's settings (bot.config)": [MINIMAL_APP, "bot.config"],
    "+ the bot's settings + SQLAlchemy": [MINIMAL_APP, "bot.config", "sqlalchemy"],
    "the bot's start-up (bot.wiring, bot.server)": ["bot.cli", "bot.wiring", "bot.server"],
}


def started_and_imported_ms(modules: list[str]) -> float:
    """Spawn → exit of a fresh interpreter that imports `modules` and nothing else."""
    path = os.pathsep.join(filter(None, [str(BENCHMARKS), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", f"import {', '.join(modules)}"], env=env, check=True)
    return (time.monotonic() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    import bot

    # As an installed bot has it (see load.py's `compile_bot`), and the minimal app's libraries have it.
    compileall.compile_dir(Path(bot.__file__).parent, quiet=1)
    compileall.compile_file(BENCHMARKS / f"{MINIMAL_APP}.py", quiet=1)
    samples: dict[str, list[float]] = {name: [] for name in IMPORT_SETS}
    for run in range(runs + 1):  # the first round, unmeasured, fills the disk cache
        order = list(IMPORT_SETS.items())
        for name, modules in order if run % 2 else order[::-1]:
            elapsed = started_and_imported_ms(modules)
            if run:
                samples[name].append(elapsed)
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {runs}, process spawn → imports done")
    floor = statistics.median(samples["minimal Bolt app"])
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:<45} {median:6.0f} ms   ratio {median / floor:4.2f}")


if __name__ == "__main__":
    main()
