"""Finding registrants: the filters shared by the list page, the exports and the bulk
actions, the people they match, and the list's rows as the page shows them."""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, literal, or_, select
from sqlalchemy.orm import load_only

from app.choices import (
    HEALTH_REGION_SHORT,
    HealthRegion,
    OrganisationType,
    RegistrationStatus,
)
from app.extensions import db
from app.facts import rules
from app.models import AgendaItem, Gathering, Registration
from app.reach import is_reachable, reachable_registrations
from app.registration import fields as registrant_fields

SORTS = {
    "name": "Name",
    "email": "Email",
    "status": "Status",
    "organisation": "Organisation",
    "region": "Health region",
    "room": "Breakout",
    "attended": "Attended",
    "needs": "Accessibility needs",
    "registered": "Registered",
}


@dataclass(frozen=True)
class RegistrantFilter:
    q: str = ""
    status: str = ""
    region: str = ""
    organisation_type: str = ""
    room: str = ""  # a room id, or "none"
    attended: str = ""  # "yes" or "no"
    needs: str = ""  # "yes"
    sort: str = ""
    dir: str = ""

    @classmethod
    def from_args(cls, args, gathering: Gathering | None = None) -> "RegistrantFilter":
        def pick(name: str, allowed: set[str]) -> str:
            value = args.get(name, "")
            return value if value in allowed else ""

        rooms = {str(room.id) for room in gathering.breakouts} if gathering else set()
        return cls(
            q=args.get("q", "").strip()[:100],
            status=pick("status", {s.value for s in RegistrationStatus}),
            region=pick("region", {r.value for r in HealthRegion}),
            organisation_type=pick("organisation_type", {o.value for o in OrganisationType}),
            room=pick("room", rooms | {"none"}),
            attended=pick("attended", {"yes", "no"}),
            needs=pick("needs", {"yes"}),
            sort=pick("sort", set(SORTS)),
            dir=pick("dir", {"desc"}),
        )

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}

    def filter_args(self) -> dict[str, str]:
        """The filters without the sort order."""
        return {k: v for k, v in self.as_args().items() if k not in ("sort", "dir")}

    def sorted_by(self, column: str) -> dict[str, str]:
        """Arguments for a header link: this column, flipping direction when it is the
        current one; the filters stay."""
        flip = "desc" if self.sort == column and not self.dir else ""
        return replace(self, sort=column, dir=flip).as_args()

    def aria_sort(self, column: str) -> str | None:
        if self.sort != column and not (column == "registered" and not self.sort):
            return None
        return "descending" if self.dir else "ascending"

    @property
    def active(self) -> bool:
        return bool(self.filter_args())

    def query(self, gathering: Gathering) -> Select:
        """Filtered and sorted in the database; who attended by the read model's rule
        (app.facts.rules.attended_condition)."""
        query = select(Registration).where(Registration.gathering_id == gathering.id)
        if self.q:
            like = f"%{self.q.lower()}%"
            query = query.where(
                or_(
                    Registration.name.ilike(like),
                    Registration.email.ilike(like),
                    Registration.organisation_name.ilike(like),
                )
            )
        if self.status:
            query = query.where(Registration.status == self.status)
        if self.region:
            query = query.where(Registration.health_region == self.region)
        if self.organisation_type:
            query = query.where(Registration.organisation_type == self.organisation_type)
        if self.room == "none":
            query = query.where(Registration.assigned_breakout_id.is_(None))
        elif self.room:
            query = query.where(Registration.assigned_breakout_id == int(self.room))
        attended = None
        if self.attended or self.sort == "attended":
            attended = rules.attended_condition(gathering)
        if self.attended == "yes":
            query = query.where(attended)
        elif self.attended == "no":
            query = query.where(Registration.status == RegistrationStatus.CONFIRMED, ~attended)
        if self.needs:
            query = query.where(func.length(func.trim(Registration.accessibility_needs)) > 0)
        return query.order_by(*self._order(gathering, attended))

    def _order(self, gathering: Gathering, attended) -> list:
        # Rooms by title without a lookup per row: each room's place among the titles
        # (no room first, as an empty title would be).
        titles = sorted({item.title for item in gathering.agenda_items})
        places = {item.id: titles.index(item.title) for item in gathering.agenda_items}
        room_rank = (
            case(places, value=Registration.assigned_breakout_id, else_=-1)
            if places
            else literal(-1)
        )
        keys = {
            "name": func.lower(Registration.name),
            "email": Registration.email,
            "status": Registration.status,
            "organisation": func.lower(Registration.organisation_name),
            "region": Registration.health_region,
            "room": room_rank,
            "attended": case((attended, 1), else_=0) if attended is not None else None,
            "needs": func.lower(Registration.accessibility_needs),
            "registered": Registration.created_at,
        }
        key = keys[self.sort or "registered"]
        key = key.desc() if self.dir else key.asc()
        return [key, Registration.id.desc() if self.dir else Registration.id]


def matching(filters: RegistrantFilter, gathering: Gathering) -> list[Registration]:
    """Everyone the filters match, in the list's order (the exports, a bulk action on
    all of them)."""
    return list(db.session.scalars(filters.query(gathering)))


def page_ids(query: Select, *, number: int, per_page: int) -> list[int]:
    """The ids on one page of the list, in its order."""
    return list(
        db.session.scalars(
            query.with_only_columns(Registration.id).limit(per_page).offset((number - 1) * per_page)
        )
    )


def listed(ids: list[int]) -> list[Registration]:
    """These registrations with only the columns the list shows, in the order given."""
    found = {
        registration.id: registration
        for registration in db.session.scalars(
            select(Registration)
            .options(load_only(*registrant_fields.listed_columns()))
            .where(Registration.id.in_(ids))
        )
    }
    return [found[id_] for id_ in ids if id_ in found]


def selected(
    gathering: Gathering, filters: RegistrantFilter, *, all_matching: bool, ids: list[int]
) -> list[Registration]:
    """The people a bulk action is for: all the filters match, or those ticked, by name;
    never anyone erased or waiting to be."""
    if all_matching:
        people = matching(filters, gathering)
    else:
        people = list(
            db.session.scalars(
                reachable_registrations(gathering.id, statuses=None)
                .where(Registration.id.in_(ids))
                .order_by(Registration.name, Registration.id)
            )
        )
    return [person for person in people if is_reachable(person)]


@dataclass(frozen=True)
class ListPage:
    """One page of the list: its rows, where it is among the pages, and how many match."""

    number: int
    per_page: int
    total: int
    shown: int  # rows on this page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + self.shown - 1

    def numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and a few around this one; None
        where some are left out."""
        shown = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers: list[int | None] = []
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


@dataclass(frozen=True, slots=True)
class ListRow:
    """One registrant as a row of the list: every cell already in words."""

    id: int
    name: str
    url: str
    email: str
    status: str
    organisation: str
    organisation_title: str
    region: str
    room: str
    first_choice: bool  # the room shown is their first choice, not an assignment
    attended: str
    needs: str
    registered: str
    more: tuple[str, ...] = ()  # the cells of more_list_fields()


# The fields a ListRow shows in cells of its own; any other listed field gets a column
# after them, written as the export writes it.
ROW_OWN_CELLS = frozenset(
    {
        "name",
        "email",
        "status",
        "organisation_name",
        "organisation_type",
        "health_region",
        "assigned_breakout_id",
        "first_choice_id",
        "accessibility_needs",
        "created_at",
    }
)


def more_list_fields() -> list[registrant_fields.RegistrantField]:
    return [
        field
        for field in registrant_fields.FIELDS
        if field.listed and field.attribute not in ROW_OWN_CELLS
    ]


def list_rows(
    registrations: Iterable[Registration],
    *,
    url_for_person: Callable[[int], str],
    room_titles: dict[int, str],
    attended_ids: Collection[int],
    started: bool,
    zone: str,
) -> list[ListRow]:
    """The page's rows, worked out in one pass rather than cell by cell in the template."""
    local = ZoneInfo(zone)
    more = more_list_fields()
    rows = []
    for r in registrations:
        room_id = r.assigned_breakout_id or r.first_choice_id
        attended = ""
        if r.id in attended_ids:
            attended = "Yes"
        elif started and r.status == RegistrationStatus.CONFIRMED:
            attended = "No"
        rows.append(
            ListRow(
                id=r.id,
                name=r.name,
                url=url_for_person(r.id),
                email=r.email,
                status=RegistrationStatus.label_for(r.status),
                organisation=r.organisation_name,
                organisation_title=(
                    f"{r.organisation_name} ({OrganisationType.label_for(r.organisation_type)})"
                ),
                region=HEALTH_REGION_SHORT.get(r.health_region, r.health_region),
                room=room_titles.get(room_id, "") if room_id is not None else "",
                first_choice=room_id is not None and not r.assigned_breakout_id,
                attended=attended,
                needs=r.accessibility_needs,
                registered=_short_date(r.created_at, local),
                more=tuple(
                    str(field.export(getattr(r, field.attribute), room_titles) or "")
                    if field.export
                    else str(getattr(r, field.attribute) or "")
                    for field in more
                ),
            )
        )
    return rows


def _short_date(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%-d %b %Y")


def export_headers() -> tuple[str, ...]:
    return registrant_fields.export_headers()


def export_rows(registrations: list[Registration], items: dict[int, AgendaItem]) -> list[list]:
    rooms = {item_id: item.title for item_id, item in items.items()}
    return [registrant_fields.export_row(r, rooms) for r in registrations]
