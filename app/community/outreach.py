"""Who to invite: organisations that took part last time and have not registered yet,
and past participants who agreed to be contacted again. And, in aggregate only, how many
people come back from one gathering to the next."""

from dataclasses import dataclass

from sqlalchemy import select

from app import timefmt
from app.addresses import normalise_email
from app.choices import HEALTH_REGION_SHORT, HealthRegion, OrganisationType, RegistrationStatus
from app.extensions import db
from app.facts import gathering_facts
from app.facts.history import earlier_gatherings
from app.models import Gathering, Registration


def organisation_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _region(code: str) -> str:
    try:
        return HEALTH_REGION_SHORT[HealthRegion(code)]
    except ValueError:
        return code


def _active(gathering: Gathering) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.gathering_id == gathering.id,
                Registration.status != RegistrationStatus.CANCELLED.value,
                Registration.erased_at.is_(None),
            )
            .order_by(Registration.created_at.desc(), Registration.id.desc())
        )
    )


@dataclass(frozen=True)
class OutreachOrganisation:
    name: str
    type_label: str
    region_label: str
    attended_last_time: int


@dataclass(frozen=True)
class OutreachPerson:
    name: str
    email: str
    organisation_name: str
    last_gathering: str
    last_gathering_slug: str
    registration_id: int


@dataclass(frozen=True)
class InviteGroup:
    """People to invite who last came to one gathering: the message composer writes to
    a gathering's own registrations, so each group is invited from its gathering."""

    gathering_title: str
    gathering_slug: str
    registration_ids: tuple[int, ...]


@dataclass(frozen=True)
class Outreach:
    previous_title: str | None
    organisations: list[OutreachOrganisation]
    people: list[OutreachPerson]

    @property
    def invite_groups(self) -> list[InviteGroup]:
        groups: dict[str, list[OutreachPerson]] = {}
        for person in self.people:
            groups.setdefault(person.last_gathering_slug, []).append(person)
        return [
            InviteGroup(
                people[0].last_gathering,
                slug,
                tuple(sorted(p.registration_id for p in people)),
            )
            for slug, people in groups.items()
        ]


def outreach_for(gathering: Gathering) -> Outreach:
    earlier = earlier_gatherings(gathering)
    if not earlier:
        return Outreach(None, [], [])
    now_registered = _active(gathering)
    emails_now = {normalise_email(r.email) for r in now_registered}
    organisations_now = {organisation_key(r.organisation_name) for r in now_registered}

    previous = earlier[-1]
    present = gathering_facts(previous).attended_ids
    found: dict[str, list[Registration]] = {}
    for registration in _active(previous):
        key = organisation_key(registration.organisation_name)
        if registration.id in present and key and key not in organisations_now:
            found.setdefault(key, []).append(registration)
    organisations = sorted(
        (
            OutreachOrganisation(
                name=people[0].organisation_name,
                type_label=OrganisationType.label_for(people[0].organisation_type),
                region_label=_region(people[0].health_region),
                attended_last_time=len(people),
            )
            for people in found.values()
        ),
        key=lambda o: (o.type_label, o.name.casefold()),
    )

    # Newest gathering first: a person's latest registration decides whether they still
    # agree to be contacted.
    seen: set[str] = set(emails_now)
    people: list[OutreachPerson] = []
    for past in reversed(earlier):
        attended = gathering_facts(past).attended_ids
        for registration in _active(past):
            email = normalise_email(registration.email)
            if email in seen:
                continue
            seen.add(email)
            if registration.consent_followup_at is not None and registration.id in attended:
                people.append(
                    OutreachPerson(
                        name=registration.name,
                        email=email,
                        organisation_name=registration.organisation_name,
                        last_gathering=past.title,
                        last_gathering_slug=past.slug,
                        registration_id=registration.id,
                    )
                )
    people.sort(key=lambda p: (p.name.casefold(), p.email))
    return Outreach(previous.title, organisations, people)


OUTREACH_HEADERS = ["Kind", "Name", "Email", "Organisation", "Organisation type", "Region", "Why"]


def outreach_rows(outreach: Outreach) -> list[list[str]]:
    rows = [
        [
            "Organisation",
            "",
            "",
            o.name,
            o.type_label,
            o.region_label,
            f"{o.attended_last_time} attended {outreach.previous_title}",
        ]
        for o in outreach.organisations
    ]
    rows += [
        [
            "Person",
            p.name,
            p.email,
            p.organisation_name,
            "",
            "",
            f"Attended {p.last_gathering} and agreed to follow-up contact",
        ]
        for p in outreach.people
    ]
    return rows


@dataclass(frozen=True)
class ReturningRow:
    title: str
    date_label: str
    consenting: int
    returning: int

    @property
    def share_label(self) -> str:
        return f"{100 * self.returning / self.consenting:.0f}%" if self.consenting else "–"


def returning_participation(gathering: Gathering) -> list[ReturningRow]:
    """For each gathering of the community, oldest first: how many registrants (not
    cancelled) agreed to follow-up contact, and how many of those had also registered,
    with that agreement, for an earlier gathering. Matched on the normalised email;
    only counts leave this function."""
    gatherings = [*earlier_gatherings(gathering), gathering]
    seen: set[str] = set()
    rows = []
    for g in gatherings:
        emails = {
            normalise_email(email)
            for email in db.session.scalars(
                select(Registration.email).where(
                    Registration.gathering_id == g.id,
                    Registration.status != RegistrationStatus.CANCELLED.value,
                    Registration.consent_followup_at.is_not(None),
                    Registration.erased_at.is_(None),
                )
            )
        }
        rows.append(
            ReturningRow(
                title=g.title,
                date_label=timefmt.long_date(g.starts_at, g.timezone),
                consenting=len(emails),
                returning=len(emails & seen),
            )
        )
        seen |= emails
    return rows
