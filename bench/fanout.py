"""A schedule change for a gathering of 10,000 confirmed people: the request (move an
agenda item, commit) next to the fan-out job that renders and queues the 10,000 updated
invites, on the in-process runner, against a real SQLite file (or BENCH_DATABASE_URL).

Targets (issue 15): the request under 300 ms; the fan-out at 300 or more invites per
second per worker."""

import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "10000"))


def seed(db, now: datetime):
    from app.choices import AgendaKind
    from app.models import AgendaItem, Gathering, Registration

    gathering = Gathering(
        slug="fanout",
        title="Province-wide gathering",
        starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=30, hours=3),
        meeting_url="https://zoom.example/j/1",
        contact_email="cop@example.org",
    )
    db.session.add(gathering)
    item = AgendaItem(
        gathering=gathering,
        kind=AgendaKind.PLENARY.value,
        title="Welcome",
        starts_at=gathering.starts_at,
        ends_at=gathering.starts_at + timedelta(minutes=30),
    )
    db.session.add(item)
    db.session.flush()
    rows = [
        {
            "gathering_id": gathering.id,
            "name": f"Person {n}",
            "email": f"person{n}@example.org",
            "role": "nurse",
            "organisation_name": "Northern Health",
            "organisation_type": "health_authority",
            "health_region": "northern",
            "status": "confirmed",
            "consent_collection_at": now,
            "calendar_uid": f"bench-{n}@gathering.test",
            "calendar_sequence": 0,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(PEOPLE)
    ]
    db.session.execute(insert(Registration), rows)
    db.session.commit()
    return item


def main() -> None:
    from app import create_app, jobs
    from app.extensions import db
    from app.models import OutboundEmail
    from app.organiser.services import AgendaItemData, update_item

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'fanout.sqlite3'}"
        app = create_app(
            {
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": url,
                "JOBS_AUTORUN": False,
                "SERVER_NAME": "gathering.test",
            }
        )
        with app.app_context():
            db.create_all()
            now = datetime.now(UTC)
            item = seed(db, now)
            data = AgendaItemData(
                kind=item.kind,
                title=item.title,
                description=item.description,
                presenter=item.presenter,
                priority_area=item.priority_area,
                starts_at=item.starts_at + timedelta(minutes=15),
                ends_at=item.ends_at + timedelta(minutes=15),
                room_url=item.room_url,
                capacity=item.capacity,
            )
            start = time.perf_counter()
            update_item(item, data)
            db.session.commit()
            request = time.perf_counter() - start
            start = time.perf_counter()
            runner = jobs.runner()
            items = runner._take(include_later=False)
            jobs.perform(items)  # the fan-out job only: the emails it queued stay queued
            fan_out = time.perf_counter() - start
            queued = db.session.scalar(select(func.count(OutboundEmail.id)))
            db.drop_all()
    rate = queued / fan_out
    print(f"{PEOPLE} confirmed people, {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}")
    print(
        f"  schedule-change request {request * 1000:6.1f} ms (target < 300 ms): "
        f"{'met' if request < 0.3 else 'missed'}"
    )
    print(
        f"  fan-out job: {queued} invites in {fan_out:.1f} s = {rate:.0f} invites/s per worker "
        f"(target >= 300/s): {'met' if rate >= 300 else 'missed'}"
    )


if __name__ == "__main__":
    main()
