"""The plain-words schedule language: the shared phrase list, then other phrasings under the same rules."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.schedule import ScheduleError, WeeklySchedule, parse_schedule, warm_up

EN_DASH = "\u2013"
PHRASES = [
    json.loads(line)
    for line in (Path(__file__).parent.parent / "data" / "phrases.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]


def _en_dashed(rendered: str) -> str:
    """Expected renders are written with "-" here; `render()` writes en dashes, as Slack shows them."""
    return rendered.replace("-", EN_DASH)


def _unordered(api_schedule: list[dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    return {
        item["day"]: {(r["startTime"], r["endTime"]) for r in item["timeRanges"]} for item in api_schedule
    }


def _error_of(text: str) -> str:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text)
    return str(caught.value)


def _quoted(message: str) -> list[str]:
    return re.findall(r'"([^"]+)"', message)


def test_the_shared_phrase_file_is_the_full_sample() -> None:
    assert len(PHRASES) == 85


@pytest.mark.parametrize("phrase", [p for p in PHRASES if not p.get("error")], ids=lambda p: p["text"])
def test_shared_phrase_becomes_its_schedule(phrase: dict[str, Any]) -> None:
    assert _unordered(parse_schedule(phrase["text"]).to_api()) == _unordered(phrase["schedule"])


@pytest.mark.parametrize(
    "phrase", [p for p in PHRASES if p.get("error")], ids=lambda p: p["text"] or "<empty text>"
)
def test_shared_error_phrase_is_rejected_naming_the_problem(phrase: dict[str, Any]) -> None:
    message = _error_of(phrase["text"])
    if phrase["text"]:
        assert any(quoted.lower() in phrase["text"].lower() for quoted in _quoted(message)), message
    else:
        assert "empty" in message


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        # Case, accents, abbreviations with dots, other dashes.
        ("LUNDI-VENDREDI 9H-12H", "Mon-Fri 09:00-12:00"),
        ("Mon. - Fri. 9-12", "Mon-Fri 09:00-12:00"),
        ("Tues, Thurs 2-4pm", "Tue, Thu 14:00-16:00"),
        ("Thur. 9-11", "Thu 09:00-11:00"),
        ("lun\u2013ven 9h\u201412h", "Mon-Fri 09:00-12:00"),
        ("le mardi APRÈS-MIDI", "Tue 14:00-17:00"),
        ("le mardi apres midi", "Tue 14:00-17:00"),
        ("l'après-midi du lundi", "Mon 14:00-17:00"),
        ("\uff2d\uff2f\uff2e \uff19\u2212\uff11\uff12", "Mon 09:00-12:00"),  # full-width "MON 9-12"
        # Day ranges, lists and plurals.
        ("between Monday and Friday 9-5", "Mon-Fri 09:00-17:00"),
        ("Mon thru Fri 9-5", "Mon-Fri 09:00-17:00"),
        ("du lundi jusqu'au jeudi 9h-12h", "Mon-Thu 09:00-12:00"),
        ("entre lundi et mercredi 10h-12h", "Mon-Wed 10:00-12:00"),
        ("lundis et mercredis", "Mon, Wed 09:00-12:00, 14:00-17:00"),
        ("Mon, Wed and Fri", "Mon, Wed, Fri 09:00-12:00, 14:00-17:00"),
        ("lundi, mercredi et vendredi 14h-17h", "Mon, Wed, Fri 14:00-17:00"),
        # Wrap-around.
        ("Sat-Mon 10-12", "Mon, Sat, Sun 10:00-12:00"),
        ("dim-mar 10h-12h", "Mon, Tue, Sun 10:00-12:00"),
        # Day words.
        ("every business day 9-12", "Mon-Fri 09:00-12:00"),
        ("tous les jours ouvrés 9h-12h", "Mon-Fri 09:00-12:00"),
        ("chaque jour 9h-12h", "Mon-Sun 09:00-12:00"),
        ("everyday 9-12", "Mon-Sun 09:00-12:00"),
        ("the weekend", "Sat, Sun 09:00-12:00, 14:00-17:00"),
        ("le week-end matin", "Sat, Sun 09:00-12:00"),
        ("every week on Mondays 9-12", "Mon 09:00-12:00"),
        # Except.
        ("Mon-Fri except Wed and Fri 9-12", "Mon, Tue, Thu 09:00-12:00"),
        ("weekdays 9-12 except Friday", "Mon-Thu 09:00-12:00"),
        ("en semaine sauf le mercredi 9h-12h", "Mon, Tue, Thu, Fri 09:00-12:00"),
        ("sauf lundi", "Tue-Fri 09:00-12:00, 14:00-17:00"),
        ("every day except the weekend 10-16", "Mon-Fri 10:00-16:00"),
        # Windows before their days.
        ("9-12 on weekdays except Wed", "Mon, Tue, Thu, Fri 09:00-12:00"),
        ("9-12 on Mon and Wed, 14-17 on Tue", "Mon 09:00-12:00; Tue 14:00-17:00; Wed 09:00-12:00"),
        ("de 14h à 17h les mardis et jeudis", "Tue, Thu 14:00-17:00"),
        ("mornings on Saturdays", "Sat 09:00-12:00"),
        ("lundi à 14h-17h", "Mon 14:00-17:00"),
        # Times: number words, quarter/half, o'clock, French hours.
        ("nine to five", "Mon-Fri 09:00-17:00"),
        ("quarter past ten to noon", "Mon-Fri 10:15-12:00"),
        ("ten to a quarter to twelve", "Mon-Fri 10:00-11:45"),
        ("quarter to eight to nine pm", "Mon-Fri 19:45-21:00"),
        ("half past 9-11", "Mon-Fri 09:30-11:00"),
        ("9 o'clock to 5 o'clock", "Mon-Fri 09:00-17:00"),
        ("9 heures 30 - 11 heures", "Mon-Fri 09:30-11:00"),
        ("9h 30 à 11h", "Mon-Fri 09:30-11:00"),
        ("9.30-12.15", "Mon-Fri 09:30-12:15"),
        ("Monday 9 a.m.-noon", "Mon 09:00-12:00"),
        ("Monday 9 A.M. to midday", "Mon 09:00-12:00"),
        ("09:30:00-12:00:00", "Mon-Fri 09:30-12:00"),
        ("9:5-12", "Mon-Fri 09:05-12:00"),
        ("midnight-8", "Mon-Fri 00:00-08:00"),
        ("22:00-23:59", "Mon-Fri 22:00-23:59"),
        # Reading the hour (rule 6).
        ("2-5pm", "Mon-Fri 14:00-17:00"),
        ("9-11am", "Mon-Fri 09:00-11:00"),
        ("10-2pm", "Mon-Fri 10:00-14:00"),
        ("11-1pm", "Mon-Fri 11:00-13:00"),
        ("9am-5", "Mon-Fri 09:00-17:00"),
        ("11am-1", "Mon-Fri 11:00-13:00"),
        ("1pm-5", "Mon-Fri 13:00-17:00"),
        ("8pm-9", "Mon-Fri 20:00-21:00"),
        ("3am-4pm", "Mon-Fri 03:00am-16:00"),
        ("noon-2", "Mon-Fri 12:00-14:00"),
        ("1:30-2:30", "Mon-Fri 13:30-14:30"),
        ("3h-5h", "Mon-Fri 15:00-17:00"),
        ("03:00-09:00", "Mon-Fri 03:00am-09:00"),
        ("03:00-16:00", "Mon-Fri 15:00-16:00"),
        ("6-8", "Mon-Fri 06:00am-08:00"),
        ("3h-2h", "Mon-Fri 03:00am-14:00"),
        ("5-17", "Mon-Fri 05:00am-17:00"),
        ("0-8", "Mon-Fri 00:00-08:00"),
        # Groups and defaults.
        ("Mon 9-12 and 14-17 Tue 10-11", "Mon 09:00-12:00, 14:00-17:00; Tue 10:00-11:00"),
        ("Monday 9-12, Monday 14-17", "Mon 09:00-12:00, 14:00-17:00"),
        ("mon 9-12 ; ; tue 14-17", "Mon 09:00-12:00; Tue 14:00-17:00"),
        ("9-12 14-17", "Mon-Fri 09:00-12:00, 14:00-17:00"),
        ("Mon & Wed 9-12 & 14-17", "Mon, Wed 09:00-12:00, 14:00-17:00"),
        ("weekdays 9-12 and Saturday", "Mon-Fri 09:00-12:00; Sat 09:00-12:00, 14:00-17:00"),
        ("afternoons", "Mon-Fri 14:00-17:00"),
        ("Mon-Fri 9-12.", "Mon-Fri 09:00-12:00"),
        ("Mon: 9-12", "Mon 09:00-12:00"),
    ],
)
def test_other_phrasings_follow_the_same_rules(text: str, rendered: str) -> None:
    assert parse_schedule(text).render() == _en_dashed(rendered)


@pytest.mark.parametrize(
    "text",
    [
        "Mon-Fri 09:00-12:00, 14:00-17:00; Sat 10:00-13:00",
        "Mon, Wed, Fri 10:00-12:00; Sat 10:00-13:00",
        "Mon, Tue, Sun 10:00-12:00",
        "Sun 00:00-08:00, 20:00-23:59",
        "Tue-Thu 07:00am-09:00; Fri 12:30-18:45",
    ],
)
def test_rendered_schedule_reads_back_unchanged(text: str) -> None:
    rendered = _en_dashed(text)
    assert parse_schedule(rendered).render() == rendered


def test_early_hours_render_with_am_so_they_read_back_unchanged() -> None:
    """Rule 6 reads a bare 03:00 as 15:00, so rendering marks hours 1-7 with "am"."""
    early = WeeklySchedule.from_api(
        [{"day": "Monday", "timeRanges": [{"startTime": "03:00:00", "endTime": "16:00:00"}]}]
    )
    assert early.render() == "Mon 03:00am\u201316:00"
    assert parse_schedule(early.render()) == early
    assert parse_schedule("Mon 3am-4pm") == early


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["empty"]),
        ("   ", ["empty"]),
        ("on the", ['"on the"', "no days or hours"]),
        ("banana", ['"banana"', "Mon-Fri 9-12"]),
        ("Mon-Fri 9-12 foo bar", ['"foo", "bar"']),
        ("mon 9-12 #", ['"#"']),
        ("Funday 9-12", ['"Funday"']),
        ("days 9-12", ['"days" alone', "every day"]),
        ("tomorrow 9-12", ['"tomorrow" is a one-off date', "every week"]),
        ("next week 9-12", ['"next week" is a one-off date']),
        ("next Monday 9-12", ['"next Monday"']),
        ("la semaine prochaine", ['"semaine prochaine"']),
        ("aujourd'hui 9h-12h", ['"aujourd\'hui"']),
        ("12/03 9-12", ['"12/03" is a one-off date']),
        ("12.03.2024 9-12", ['"12.03.2024" is a one-off date']),
        ("March 5 9-12", ['"March" is a one-off date']),
        ("le 5 mars de 9h à 12h", ['"5 mars" is a one-off date']),
        ("at 9 on Mondays", ['"9" is a single time', "9-12"]),
        ("Mon 9h", ['"9h" is a single time']),
        ("17:00-09:00", ['"17:00-09:00"', f"17:00{EN_DASH}09:00", "ends before it starts"]),
        ("Monday 22h-2h", ['"22h-2h"', f"22:00{EN_DASH}14:00", "ends before it starts"]),
        ("noon-11am", [f"12:00{EN_DASH}11:00", "ends before it starts"]),
        ("Monday 9pm-midnight", ['"midnight" ends the day', "23:59"]),
        ("lundi 20h-minuit", ['"minuit" ends the day']),
        ("10pm-12am", ['"12am" ends the day']),
        ("9-24h", ['"24h" is not a time', "23:59"]),
        ("25:00-26:00", ['"25:00" is not a time', "0 to 23"]),
        ("9:75-11", ['"9:75" is not a time', "00 to 59"]),
        ("9-930", ['"930" is not a time']),
        ("14pm-16pm", ['"14pm" is not a time', "1 to 12"]),
        ("9:30:15-12", ['"9:30:15" has seconds']),
        ("Mon 1:2-1:3, 1:4-1:5, 1:6-1:7", ['Too many unusual times such as "1:6"']),
        ("Mon 9-", ['"9-" has no end']),
        ("between 9 11", ['"between 9" has no end']),
        ("Mon-", ['"Mon-" needs a day at each end']),
        ("-12", ['"-12" has no start']),
        ("to 9h", ['"to 9h" has no start']),
        ("lundi à 9h", ['"9h" is a single time']),
        ("quarter past", ['"quarter past" must be followed by an hour']),
        ("except", ['"except" must be followed by the days']),
        ("weekdays except Mon-Fri 9-12", ['"except Mon-Fri" leaves no day']),
        ("le week-end sauf samedi et dimanche", ['"sauf samedi et dimanche" leaves no day']),
        ("Mon 9-12 pm pm", ['"pm" here']),
        ("x" * 3_001, ["3001 characters", "3000"]),
    ],
)
def test_error_message_names_the_problem(text: str, fragments: list[str]) -> None:
    message = _error_of(text)
    for fragment in fragments:
        assert fragment in message


def test_a_schedule_error_is_a_value_error() -> None:
    assert issubclass(ScheduleError, ValueError)


def test_warm_up_leaves_the_parser_ready() -> None:
    warm_up()
    assert parse_schedule("Mon 9:5-12").render() == _en_dashed("Mon 09:05-12:00")


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        # Rule 3: after the group's windows, a time after the removed days takes only that time away.
        (
            "weekdays 9-5 but not Wednesday morning",
            "Mon, Tue 09:00-17:00; Wed 12:00-17:00; Thu, Fri 09:00-17:00",
        ),
        (
            "en semaine 9h-17h sauf le mercredi matin",
            "Mon, Tue 09:00-17:00; Wed 12:00-17:00; Thu, Fri 09:00-17:00",
        ),
        ("9-5 except Friday afternoon", "Mon-Thu 09:00-17:00; Fri 09:00-14:00"),
        (
            "du lundi au vendredi 9h-17h sauf mercredi de 12h à 14h",
            "Mon, Tue 09:00-17:00; Wed 09:00-12:00, 14:00-17:00; Thu, Fri 09:00-17:00",
        ),
        (
            "Mon-Fri 9-17 except Wed and Fri 9-10",
            "Mon, Tue 09:00-17:00; Wed 10:00-17:00; Thu 09:00-17:00; Fri 10:00-17:00",
        ),
        (
            "weekdays 9-5 except Wed morning and Fri afternoon",
            "Mon, Tue 09:00-17:00; Wed 12:00-17:00; Thu 09:00-17:00; Fri 09:00-14:00",
        ),
        ("2-5pm on weekdays except Friday 4-5pm", "Mon-Thu 14:00-17:00; Fri 14:00-16:00"),
        # Rule 8: days right after windows without days, and at most a comma, take those windows.
        ("2-5pm, Mondays", "Mon 14:00-17:00"),
        ("entre 9h et 12h, du lundi au vendredi", "Mon-Fri 09:00-12:00"),
        ("9-12 and 14-16, Tue", "Tue 09:00-12:00, 14:00-16:00"),
        ("de 14h à 17h, les mardis et jeudis", "Tue, Thu 14:00-17:00"),
        ("9-12, weekdays except Wed", "Mon, Tue, Thu, Fri 09:00-12:00"),
        # Rule 4: number words are 12-hour clock words, and never give hour 0.
        ("quarter to one to two", "Mon-Fri 12:45-14:00"),
        ("Fri quarter to 1 to 2", "Fri 12:45-14:00"),
        ("Tue quarter to one pm to 2pm", "Tue 12:45-14:00"),
        ("Mon 11 to quarter to one", "Mon 11:00-12:45"),
    ],
)
def test_phrasings_of_the_new_rules(text: str, rendered: str) -> None:
    assert parse_schedule(text).render() == _en_dashed(rendered)


def _two_readings_of(text: str) -> tuple[str, str]:
    """The two phrasings an ambiguous text's message offers (quoted after the words at fault)."""
    message = _error_of(text)
    assert "can be read two ways" in message, message
    _at_fault, first, second = _quoted(message)
    assert parse_schedule(first).render() in message
    assert parse_schedule(second).render() in message
    return first, second


@pytest.mark.parametrize(
    ("text", "group_hours", "default_hours"),
    [
        (
            "weekdays except Thursday afternoon",
            "Mon-Wed, Fri 14:00-17:00",
            "Mon-Wed 09:00-12:00, 14:00-17:00; Thu 09:00-12:00; Fri 09:00-12:00, 14:00-17:00",
        ),
        (
            "en semaine sauf mercredi après-midi",
            "Mon, Tue, Thu, Fri 14:00-17:00",
            "Mon, Tue 09:00-12:00, 14:00-17:00; Wed 09:00-12:00; Thu, Fri 09:00-12:00, 14:00-17:00",
        ),
        (
            "tous les jours sauf samedi matin",
            "Mon-Fri, Sun 09:00-12:00",
            "Mon-Fri 09:00-12:00, 14:00-17:00; Sat 14:00-17:00; Sun 09:00-12:00, 14:00-17:00",
        ),
        (
            "sauf le vendredi matin",
            "Mon-Thu 09:00-12:00",
            "Mon-Thu 09:00-12:00, 14:00-17:00; Fri 14:00-17:00",
        ),
        (
            "Mon-Fri but not Wed and Fri afternoons",
            "Mon, Tue, Thu 14:00-17:00",
            "Mon, Tue 09:00-12:00, 14:00-17:00; Wed 09:00-12:00; Thu 09:00-12:00, 14:00-17:00; "
            "Fri 09:00-12:00",
        ),
        ("weekdays except Wed evening", "Mon, Tue, Thu, Fri 17:00-20:00", "Mon-Fri 09:00-12:00, 14:00-17:00"),
    ],
)
def test_except_days_then_a_part_of_day_without_windows_before_is_refused_showing_both_readings(
    text: str, group_hours: str, default_hours: str
) -> None:
    """Rule 3: the part of day is the group's (without those days), or taken off those days' defaults."""
    first, second = _two_readings_of(text)
    assert parse_schedule(first).render() == _en_dashed(group_hours)
    assert parse_schedule(second).render() == _en_dashed(default_hours)


@pytest.mark.parametrize(
    ("text", "windows_before", "windows_after"),
    [
        (
            "Mon 9-12 on Tue",
            "Mon 09:00-12:00; Tue 09:00-12:00, 14:00-17:00",
            "Mon 09:00-12:00, 14:00-17:00; Tue 09:00-12:00",
        ),
        (
            "lundi 9h-12h le mardi",
            "Mon 09:00-12:00; Tue 09:00-12:00, 14:00-17:00",
            "Mon 09:00-12:00, 14:00-17:00; Tue 09:00-12:00",
        ),
        (
            "weekdays 9-12, 2-5pm on Fridays",
            "Mon-Fri 09:00-12:00, 14:00-17:00",
            "Mon-Thu 09:00-12:00; Fri 09:00-12:00, 14:00-17:00",
        ),
        (
            "9-12 on Mon, 14-17",
            "Mon 09:00-12:00, 14:00-17:00; Tue-Fri 14:00-17:00",
            "Mon 09:00-12:00, 14:00-17:00",
        ),
        (
            "de 9h à 12h le lundi 14h-17h",
            "Mon 09:00-12:00, 14:00-17:00; Tue-Fri 14:00-17:00",
            "Mon 09:00-12:00, 14:00-17:00",
        ),
    ],
)
def test_windows_between_two_sets_of_days_are_refused_showing_both_readings(
    text: str, windows_before: str, windows_after: str
) -> None:
    """Rule 8 gives windows to the days before them, and to days after them joined by on / le: windows
    with days on both sides could be either's."""
    first, second = _two_readings_of(text)
    assert parse_schedule(first).render() == _en_dashed(windows_before)
    assert parse_schedule(second).render() == _en_dashed(windows_after)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("Mon-Fri 9-12 except Fri 14-17", ['"except Fri 14-17" takes nothing away on Friday', '";"']),
        ("weekdays 9-12 except Friday 10-12, Saturday 10-12", ["takes nothing away on Saturday"]),
        ("Mon 9-12 except Mon morning", ['"except Mon morning" leaves no day']),
        ("sauf dimanche", ['"sauf dimanche" leaves out Sunday', '"every day except Sunday"']),
        ("Mon-Fri 9-12; Sat 10-12 except Wed", ['"except Wed" leaves out Wednesday']),
        ("weekdays except Wed and Sat 10-12", ['"except Wed and Sat" leaves out Saturday']),
    ],
)
def test_an_except_that_changes_nothing_or_everything_is_refused(text: str, fragments: list[str]) -> None:
    message = _error_of(text)
    for fragment in fragments:
        assert fragment in message
