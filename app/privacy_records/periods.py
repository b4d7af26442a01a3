"""How long a gathering's personal data is kept, and what happens to a participant's own
request to be erased: the community's settings, or the defaults outside any community.
Light on purpose (no feature imports), so registration can show the period."""

import calendar
from dataclasses import dataclass
from datetime import datetime

from app.models import DEFAULT_RETENTION_MONTHS, ErasureRequests, Gathering


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Retention:
    months: int
    erasure_requests: str

    @property
    def automatic_requests(self) -> bool:
        return self.erasure_requests == ErasureRequests.AFTER_GATHERING


DEFAULT_RETENTION = Retention(DEFAULT_RETENTION_MONTHS, ErasureRequests.ORGANISER_CONFIRMS.value)


def retention_for(gathering: Gathering) -> Retention:
    community = gathering.community
    if community is None:
        return DEFAULT_RETENTION
    return Retention(community.retention_months, community.erasure_requests)


def erase_on(gathering: Gathering) -> datetime:
    return add_months(gathering.ends_at, retention_for(gathering).months)
