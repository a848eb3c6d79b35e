"""Parsers for what a user types: hold time, sessions a day, a date.

Kept apart from the compiler so the command line can check its arguments without loading WeasyPrint
or pydantic.
"""
from __future__ import annotations

import datetime as dt

from .errors import echo


def parse_hold(value: str) -> tuple[int, int]:
    """'60' or '30-90' seconds as (low, high); ValueError with a message for the user otherwise."""
    try:
        nums = tuple(int(p) for p in value.replace("-", " ").split())
    except ValueError:
        nums = ()
    if len(nums) == 1:
        nums = (nums[0], nums[0])
    if len(nums) != 2 or not (5 <= nums[0] <= nums[1] <= 300):
        raise ValueError(f"must be 5 to 300 seconds, e.g. 60 or 30-90, got {echo(value)}")
    return nums


def parse_times(value: str) -> int:
    """Sessions a day, 1 to 6; ValueError with a message for the user otherwise."""
    if not value.isdigit() or not 1 <= int(value) <= 6:
        raise ValueError(f"must be 1 to 6, got {echo(value)}")
    return int(value)


def calendar_date(value: str) -> dt.date:
    """A real date written YYYY-MM-DD, 1900 or later (a PDF cannot carry earlier dates); ValueError otherwise."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a real date as YYYY-MM-DD, got {value[:80]!r}") from None
    if day.year < 1900:
        raise ValueError(f"must be 1900 or later, got {value[:80]!r}")
    return day


parse_date = calendar_date  # --date and the batch CSV's date column
