"""`starleads-bot schedule "TEXT"`: how support checks what the bot understands."""

from __future__ import annotations

import json
import subprocess
import sys


def schedule(text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "schedule", text], capture_output=True, text=True, timeout=60
    )


def test_a_schedule_prints_as_api_json_with_its_reading_on_stderr() -> None:
    result = schedule("du lundi au vendredi 9h-12h et 14h-17h")

    assert result.returncode == 0
    days = json.loads(result.stdout)
    assert [d["day"] for d in days] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    assert days[0]["timeRanges"] == [
        {"startTime": "09:00:00", "endTime": "12:00:00"},
        {"startTime": "14:00:00", "endTime": "17:00:00"},
    ]
    assert result.stderr.strip() == "Mon–Fri 09:00–12:00, 14:00–17:00"


def test_days_come_monday_first_and_ranges_sorted() -> None:
    result = schedule("Sun 14-17, Sat 10-12, Mon 15-16 and 9-11")

    days = json.loads(result.stdout)
    assert [d["day"] for d in days] == ["Monday", "Saturday", "Sunday"]
    assert [r["startTime"] for r in days[0]["timeRanges"]] == ["09:00:00", "15:00:00"]


def test_a_rejected_schedule_exits_2_with_the_reason() -> None:
    result = schedule("Mon-Fri banana")

    assert result.returncode == 2
    assert result.stdout == ""
    assert '"banana"' in result.stderr
    assert "Traceback" not in result.stderr
