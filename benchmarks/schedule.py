"""How fast the plain-words schedule language is, next to naive `dateparser.parse` on the same time pieces.

Run from the repository root:  .venv/bin/python benchmarks/schedule.py

Start-up figures (import, warm-up, first parse) are medians over fresh interpreters, the rest once warm in
this one. Nothing is asserted: the figures are printed for a person to judge.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dateparser

from bot.schedule import ScheduleError, parse_schedule, warm_up

PHRASES_FILE = Path(__file__).resolve().parent.parent / "tests" / "data" / "phrases.jsonl"
REPEATS = 5
START_UP_RUNS = 3
SLOWEST_SHOWN = 5
SEED = 20_240_312

_TIME_PIECE = re.compile(
    r"(?:half past|quarter (?:past|to)) \w+"
    r"|\b\d{1,2}(?:[:.]\d{2}|\s?h(?:\s?\d{2})?)?(?:\s?[ap]\.?m\.?)?"
    r"|\b(?:noon|midi|midday|midnight|minuit|nine|five|twelve)\b",
    re.IGNORECASE,
)
EN_DASH = "\u2013"
_PIECES = [
    *("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "lundi", "mardi", "weekdays", "weekend", "daily"),
    *("except", "sauf", "9", "12", "14h", "9h30", "10:00", "2pm", "a.m.", "noon", "midi", "half past"),
    *("quarter to", "nine", "-", EN_DASH, ",", ";", "/", "&", "and", "et", "to", "à", "between", "entre"),
    *("on", "le", "12/03", "25:00", "tomorrow", "banana", "é", "💥", "٣"),
]

_START_UP_PROBE = """
import json, time
started = time.perf_counter()
import bot.schedule
imported = time.perf_counter()
bot.schedule.warm_up()
warmed = time.perf_counter()
bot.schedule.parse_schedule("Mon-Fri 9-12 and 14-17")
parsed = time.perf_counter()
print(json.dumps({"import": imported - started, "warm_up": warmed - imported,
                  "first_parse": parsed - warmed}))
"""
_NAIVE_START_UP_PROBE = """
import json, time
started = time.perf_counter()
import dateparser
imported = time.perf_counter()
dateparser.parse("9am")
parsed = time.perf_counter()
print(json.dumps({"import": imported - started, "warm_up": 0.0, "first_parse": parsed - imported}))
"""


def main() -> None:
    phrases = [json.loads(line)["text"] for line in PHRASES_FILE.read_text("utf-8").splitlines() if line]
    typed = phrases + _variants(phrases)
    junk = _junk()
    pieces = [piece for text in phrases for piece in _TIME_PIECE.findall(text)]

    ours_start_up = _start_up(_START_UP_PROBE)
    naive_start_up = _start_up(_NAIVE_START_UP_PROBE)
    warm_up()
    ours_typed = _timings(typed, parse_schedule, ScheduleError)
    ours_junk = _timings(junk, parse_schedule, ScheduleError)
    dateparser.parse("9am")
    naive = _timings(pieces, dateparser.parse, ValueError)

    print(
        f"{len(phrases)} shared phrases + {len(typed) - len(phrases)} variants (typed), "
        f"{len(junk)} junk texts (up to {max(map(len, junk))} characters), "
        f"{len(pieces)} time pieces of the shared phrases for naive dateparser.parse; "
        f"each timed {REPEATS} times"
    )
    print()
    _row("", "parse_schedule", "dateparser.parse", "naive/ours")
    _row("", "(whole text)", "(one time piece)", "")
    for label, key in (
        ("import", "import"),
        ("warm-up", "warm_up"),
        ("first parse after warm-up", "first_parse"),
    ):
        _figure_row(label, ours_start_up[key], naive_start_up[key])
    _figure_row(
        "ready (naive: import + first parse)",
        ours_start_up["import"] + ours_start_up["warm_up"],
        naive_start_up["import"] + naive_start_up["first_parse"],
    )
    for label, pick in (("p50 once warm, typed", 0.50), ("p99 once warm, typed", 0.99)):
        _figure_row(label, _quantile(ours_typed, pick), _quantile(naive, pick))
    _figure_row("max once warm, typed", _worst(ours_typed), _worst(naive))
    _figure_row("p50 once warm, junk", _quantile(ours_junk, 0.50), _quantile(naive, 0.50))
    _figure_row("max once warm, junk", _worst(ours_junk), _worst(naive))
    print()
    for title, samples in (("typed", ours_typed), ("junk", ours_junk)):
        print(f"slowest {title} texts for parse_schedule (worst of the repeats):")
        for text, seconds in _slowest(samples, SLOWEST_SHOWN):
            shown = text if len(text) <= 60 else f"{text[:57]}… ({len(text)} chars)"
            print(f"  {seconds * 1000:8.3f} ms  {shown!r}")
    print("slowest time pieces for naive dateparser.parse:")
    for text, seconds in _slowest(naive, 3):
        print(f"  {seconds * 1000:8.3f} ms  {text!r}")


def _variants(phrases: list[str]) -> list[str]:
    """The same phrases as other people type them: shouting, en dashes, stray spaces, joined groups."""
    variants: list[str] = []
    valid: list[str] = []
    for text in phrases:
        variants += [text.upper(), text.replace("-", f" {EN_DASH} "), f"  {text.replace(' ', '   ')}  "]
        try:
            variants.append(parse_schedule(text).render())
            valid.append(text)
        except ScheduleError:
            continue
    rng = random.Random(SEED)
    variants += ["; ".join(rng.sample(valid, 3)) for _ in range(40)]
    return variants


def _junk() -> list[str]:
    """Random mixes of the language's pieces, and texts at the 3,000-character limit (and just past it)."""
    rng = random.Random(SEED)
    mixes = [" ".join(rng.choices(_PIECES, k=rng.randint(1, 30))) for _ in range(200)]
    long_texts = [
        ("Mon 9-12, 14-17; " * 200)[:3_000],
        ("Mon 0:01-0:02, " * 200)[:3_000],
        "x" * 3_000,
        "💥" * 3_000,
        "é" * 3_000,
        "9-" * 1_500,
        ("1:2-1:3 " * 400)[:3_000],
        ("12/03 " * 500)[:3_000],
        " ".join(rng.choices(_PIECES, k=1_000))[:3_000],
        "".join(chr(rng.randint(32, 0x2FFF)) for _ in range(3_000)),
        "Mon " * 751,
    ]
    return mixes + long_texts


Samples = list[tuple[str, float]]


def _timings(texts: list[str], parse: Callable[[str], object], expected: type[Exception]) -> Samples:
    """Seconds taken by each text, each timed `REPEATS` times."""
    samples: Samples = []
    for _ in range(REPEATS):
        for text in texts:
            started = time.perf_counter()
            with contextlib.suppress(expected):
                parse(text)
            samples.append((text, time.perf_counter() - started))
    return samples


def _start_up(probe: str) -> dict[str, float]:
    """Median of each start-up figure over `START_UP_RUNS` fresh interpreters."""
    runs = [
        json.loads(
            subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        )
        for _ in range(START_UP_RUNS)
    ]
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _quantile(samples: Samples, pick: float) -> float:
    return statistics.quantiles([s for _, s in samples], n=100, method="inclusive")[round(pick * 100) - 1]


def _worst(samples: Samples) -> float:
    return max(s for _, s in samples)


def _slowest(samples: Samples, count: int) -> list[tuple[str, float]]:
    worst: dict[str, float] = {}
    for text, seconds in samples:
        worst[text] = max(worst.get(text, 0.0), seconds)
    return sorted(worst.items(), key=lambda item: item[1], reverse=True)[:count]


def _row(label: str, ours: str, naive: str, ratio: str) -> None:
    print(f"{label:36}{ours:>16}{naive:>18}{ratio:>12}")


def _figure_row(label: str, ours: float, naive: float) -> None:
    ratio = f"{naive / ours:.1f}x" if ours and naive else "-"
    _row(label, f"{ours * 1000:.3f} ms", f"{naive * 1000:.3f} ms", ratio)


if __name__ == "__main__":
    main()
