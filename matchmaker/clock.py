"""The city's clock. Days in this app (purchase and award years, fair days, deadlines,
follow-up rounds, integrity flags) are days of the city's calendar, and the times it shows are
the city's wall-clock times, whatever time zone the server runs in: a server on UTC otherwise
turned a Chinese city's day over at 08:00. The zone is the policy's `timezone` (policy.toml;
Asia/Shanghai by default), set when the app is created.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"
_zone = ZoneInfo(DEFAULT_ZONE)


def use(name: str) -> None:
    global _zone
    _zone = ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone


def today() -> date:
    return datetime.now(_zone).date()


def now() -> datetime:
    """The city's wall-clock time, naive (as fair slots are stored)."""
    return datetime.now(_zone).replace(tzinfo=None)


def day_of(moment: datetime | float) -> date:
    """The city's day of an aware datetime or of seconds since the epoch."""
    if isinstance(moment, datetime):
        return moment.astimezone(_zone).date()
    return datetime.fromtimestamp(moment, _zone).date()


def shown(epoch: float | None) -> str:
    """Seconds since the epoch as the city's 'YYYY-MM-DD HH:MM' (pages' `datetime` filter)."""
    return datetime.fromtimestamp(epoch, _zone).strftime("%Y-%m-%d %H:%M") if epoch else ""
