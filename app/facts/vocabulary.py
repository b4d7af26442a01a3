"""The words every page and the report count people with, and their values for one
gathering: registered, attended, walk-ins, took part and the response rate.

`app.facts.rules` decides who is which; this module names the totals once, says what
each word means (the report's "How we count" box and the dashboard print `definitions`),
and prints them for either version of the report, so that no page can give a second
value for the same word.
"""

from __future__ import annotations

from dataclasses import dataclass

REGISTERED = "Registered"
ATTENDED = "Attended"
WALK_INS = "Walk-ins"
TOOK_PART = "Took part"
RESPONSE_RATE = "Response rate"


def definitions(minutes: int) -> list[tuple[str, str]]:
    """Each word and what it counts, in the order the report prints them."""
    return [
        (REGISTERED, "people with a confirmed place (waitlisted and cancelled are not counted)."),
        (
            ATTENDED,
            f"registered people who were checked in, or online for at least {minutes} minutes "
            "in one session.",
        ),
        (
            WALK_INS,
            f"people who joined without registering and stayed at least {minutes} minutes; "
            "they have no region, organisation type or role.",
        ),
        (TOOK_PART, "attended and walk-ins together."),
        (
            RESPONSE_RATE,
            "people who answered the survey, of the people invited to it (those who attended).",
        ),
    ]


def _small(count: int, threshold: int | None) -> bool:
    return threshold is not None and 0 < count < threshold


@dataclass(frozen=True)
class Headcount:
    """The totals of one gathering. `attended` is None until attendance is recorded."""

    registered: int
    attended: int | None
    walk_ins: int = 0
    invited: int = 0
    responded: int = 0

    @property
    def took_part(self) -> int | None:
        return None if self.attended is None else self.attended + self.walk_ins

    @property
    def attendance_rate(self) -> float | None:
        if self.attended is None or not self.registered:
            return None
        return self.attended / self.registered

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.invited if self.invited else None

    def printed(self, threshold: int | None = None) -> dict[str, str | None]:
        """The totals as every version prints them. With a threshold (the shareable
        version) a small count of walk-ins is "<5", and took part, which would give it
        away beside attended, is "more than" the attended count."""

        def count(n: int) -> str:
            return f"<{threshold}" if _small(n, threshold) else f"{n:,}"

        took_part = self.took_part
        if took_part is None:
            took_part_text = None
        elif _small(self.walk_ins, threshold):
            took_part_text = f"more than {self.attended:,}"
        else:
            took_part_text = f"{took_part:,}"
        rate = self.attendance_rate
        response = self.response_rate
        return {
            "registered": f"{self.registered:,}",
            "attended": None if self.attended is None else f"{self.attended:,}",
            "walk_ins": count(self.walk_ins),
            "took_part": took_part_text,
            "attendance_rate": None if rate is None else f"{rate:.0%}",
            "invited": f"{self.invited:,}",
            "responded": count(self.responded),
            "response_rate": None if response is None else f"{response:.0%}",
        }
