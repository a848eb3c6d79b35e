"""Parsers for what a user types: hold time, sessions a day, a date.

Kept apart from the compiler so the command line can check its arguments without loading WeasyPrint.
"""
from __future__ import annotations

import datetime as dt


def parse_hold(value: str) -> tuple[int, int]:
    """'60' or '30-90' seconds as (low, high); ValueError with a message for the user otherwise."""
    try:
        nums = tuple(int(p) for p in value.replace("-", " ").split())
    except ValueError:
        nums = ()
    if len(nums) == 1:
        nums = (nums[0], nums[0])
    if len(nums) != 2 or not (5 <= nums[0] <= nums[1] <= 300):
        raise ValueError(f"must be 5 to 300 seconds, e.g. 60 or 30-90, got {value!r}")
    return nums


def parse_times(value: str) -> int:
    """Sessions a day, 1 to 6; ValueError with a message for the user otherwise."""
    if not value.isdigit() or not 1 <= int(value) <= 6:
        raise ValueError(f"must be 1 to 6, got {value!r}")
    return int(value)


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a date as YYYY-MM-DD, got {value!r}") from None
