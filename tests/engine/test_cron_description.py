"""Cron expressions in words, and the presets."""

from __future__ import annotations

import pytest

from app.engine.cron_description import SCHEDULE_PRESETS, describe_cron
from app.engine.cron_times import check_cron


@pytest.mark.parametrize(
    ("cron", "zone", "sentence"),
    [
        ("0 9 * * 1", "Europe/Berlin", "At 09:00 on Monday, Europe/Berlin"),
        ("0 * * * *", "UTC", "Every hour, at minute 0, UTC"),
        ("*/5 * * * * *", "UTC", "Every 5 seconds, UTC"),
        ("0 0 1 * *", "UTC", "At 00:00 on day 1 of the month, UTC"),
        ("* * * * *", "UTC", "Every minute, UTC"),
        ("* * * * * *", "UTC", "Every second, UTC"),
        ("*/15 * * * *", "UTC", "Every 15 minutes, UTC"),
        ("0 */2 * * *", "UTC", "Every 2 hours, at minute 0, UTC"),
        ("0 9 * * 1-5", "UTC", "At 09:00 on Monday to Friday, UTC"),
        ("30 8 * * mon,wed,fri", "UTC", "At 08:30 on Monday, Wednesday and Friday, UTC"),
        ("0 9,17 * * *", "UTC", "At 09:00 and 17:00 every day, UTC"),
        ("0 0 1 1 *", "UTC", "At 00:00 on day 1 of January, UTC"),
        ("0 0 L * *", "UTC", "At 00:00 on the last day of the month, UTC"),
        ("0 9 * * 1#2", "UTC", "At 09:00 on the second Monday of the month, UTC"),
        ("0 0 * * 0", "UTC", "At 00:00 on Sunday, UTC"),
        ("0 0 * * 7", "UTC", "At 00:00 on Sunday, UTC"),
        ("30 0 12 * * *", "UTC", "At 12:00:30 every day, UTC"),
        # Both day fields restricted: cron fires when either matches.
        ("15 10 1 * 1", "UTC", "At 10:15 on day 1 of the month or on Monday, UTC"),
        ("*/5 9-17 * * 1-5", "UTC", "Every 5 minutes, hour 9 to 17, on Monday to Friday, UTC"),
        ("30 * * * * *", "UTC", "At second 30, every minute, UTC"),
    ],
)
def test_common_shapes_read_plainly(cron: str, zone: str, sentence: str) -> None:
    assert describe_cron(cron, zone) == sentence


def test_anything_else_is_named_exactly() -> None:
    assert describe_cron("0 0 1W * *", "UTC") == "On the cron schedule '0 0 1W * *', UTC"
    assert describe_cron("0 0 1-10/2 * *", "UTC").startswith("On the cron schedule")


def test_the_presets_are_valid_and_end_with_custom() -> None:
    keys = [preset.key for preset in SCHEDULE_PRESETS]
    assert len(set(keys)) == len(keys) == 7
    assert SCHEDULE_PRESETS[-1].key == "custom" and SCHEDULE_PRESETS[-1].cron == ""
    crons = {preset.cron for preset in SCHEDULE_PRESETS[:-1]}
    assert crons == {"0 * * * *", "0 9 * * *", "0 0 * * *", "0 9 * * 1", "0 0 * * 0", "0 0 1 * *"}
    assert all(check_cron(cron) == cron for cron in crons)
