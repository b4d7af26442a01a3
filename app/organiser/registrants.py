"""Finding registrants: the filters shared by the list page and the exports."""

from dataclasses import dataclass, replace

from sqlalchemy import Select, case, func, or_, select

from app.choices import HealthRegion, OrganisationType, RegistrationStatus, Role
from app.models import AgendaItem, Gathering, Registration

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

    def query(self, gathering: Gathering, *, attended_ids: set[int] = frozenset()) -> Select:
        """`attended_ids`: who attended by the read model's rule (app.facts)."""
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
            attended = Registration.id.in_(attended_ids)
        if self.attended == "yes":
            query = query.where(attended)
        elif self.attended == "no":
            query = query.where(Registration.status == RegistrationStatus.CONFIRMED, ~attended)
        if self.needs:
            query = query.where(func.length(func.trim(Registration.accessibility_needs)) > 0)
        return query.order_by(*self._order(attended))

    def _order(self, attended) -> list:
        room_title = (
            select(AgendaItem.title)
            .where(AgendaItem.id == Registration.assigned_breakout_id)
            .scalar_subquery()
        )
        keys = {
            "name": func.lower(Registration.name),
            "email": Registration.email,
            "status": Registration.status,
            "organisation": func.lower(Registration.organisation_name),
            "region": Registration.health_region,
            "room": func.coalesce(room_title, ""),
            "attended": case((attended, 1), else_=0) if attended is not None else None,
            "needs": func.lower(Registration.accessibility_needs),
            "registered": Registration.created_at,
        }
        key = keys[self.sort or "registered"]
        key = key.desc() if self.dir else key.asc()
        return [key, Registration.id.desc() if self.dir else Registration.id]


EXPORT_HEADERS = (
    "Name",
    "Email",
    "Status",
    "Role",
    "Organisation",
    "Organisation type",
    "Health region",
    "HSDA",
    "First choice",
    "Second choice",
    "Assigned breakout",
    "Accessibility needs",
    "Follow-up consent",
    "Registered at (UTC)",
)


def export_rows(registrations: list[Registration], items: dict[int, AgendaItem]) -> list[list]:
    def title(item_id: int | None) -> str:
        return items[item_id].title if item_id in items else ""

    return [
        [
            r.name,
            r.email,
            RegistrationStatus.label_for(r.status),
            Role.label_for(r.role),
            r.organisation_name,
            OrganisationType.label_for(r.organisation_type),
            HealthRegion.label_for(r.health_region),
            r.hsda or "",
            title(r.first_choice_id),
            title(r.second_choice_id),
            title(r.assigned_breakout_id),
            r.accessibility_needs,
            "yes" if r.consent_followup_at else "no",
            r.created_at.strftime("%Y-%m-%d %H:%M"),
        ]
        for r in registrations
    ]
