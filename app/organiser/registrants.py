"""Finding registrants: the filters shared by the list page and the exports."""

from dataclasses import dataclass

from sqlalchemy import Select, or_, select

from app.choices import HealthRegion, OrganisationType, RegistrationStatus, Role
from app.models import AgendaItem, Gathering, Registration


@dataclass
class RegistrantFilter:
    q: str = ""
    status: str = ""
    region: str = ""
    organisation_type: str = ""

    @classmethod
    def from_args(cls, args) -> "RegistrantFilter":
        def pick(name: str, allowed: set[str]) -> str:
            value = args.get(name, "")
            return value if value in allowed else ""

        return cls(
            q=args.get("q", "").strip()[:100],
            status=pick("status", {s.value for s in RegistrationStatus}),
            region=pick("region", {r.value for r in HealthRegion}),
            organisation_type=pick("organisation_type", {o.value for o in OrganisationType}),
        )

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}

    def query(self, gathering: Gathering) -> Select:
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
        return query.order_by(Registration.created_at, Registration.id)


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
