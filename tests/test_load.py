"""Load and faults against a real gunicorn server on loopback (bounded, a few seconds each).

- Many people registering at once, some pressing Register twice: no 5xx, nobody lost,
  nobody twice, capacity held exactly and everyone else waitlisted.
- The server SIGKILLed mid-burst and restarted: everyone who got a confirmation is there.
- The SMTP server down during a burst: every email goes out exactly once after it comes
  back and `flask --app wsgi send-mail --retry-now` runs.

Figures (registrants, concurrency, seconds, errors) are printed with -s and recorded
in the JUnit XML, where .ci/summary.py shows them.
"""

import itertools
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException

import pytest
from sqlalchemy import func, select, text

pytest_plugins = ["tests.fixtures_server", "tests.fixtures_mail"]
pytestmark = pytest.mark.load

REGISTRANTS = 150
DUPLICATES = 20  # of them press Register twice, at the same moment, from two tabs
CONCURRENCY = 24
CAPACITY = 60
# Every registration taken ends on the same page (tests/test_enumeration.py); what each
# person was told (place or waitlist, and their private link) is in their email.
TAKEN = re.compile(r"^/g/[a-z0-9-]+/check-your-email$")


def figures(record_testsuite_property, text: str) -> None:
    """Shown with -s, and kept in the JUnit XML for .ci/summary.py to print."""
    print("\n" + text)
    record_testsuite_property(f"figures: {text.split(':', 1)[0]}", text)


def _taken(headers: dict[str, str]) -> bool:
    location = headers.get("location", "")
    return TAKEN.match(re.sub(r"^https?://[^/]+", "", location)) is not None


def _register(server, slug: str, n: int, breakout: str) -> dict:
    """One person: open the form, submit it, open the page it leads to."""
    session = server.session(timeout=60)
    fields = session.registration_fields(
        slug,
        name=f"Registrant {n}",
        email=f"registrant{n}@example.org",
        breakout_id=breakout,
    )
    status, headers, body = session.post(f"/g/{slug}/register", fields)
    outcome = {"n": n, "post": status, "taken": status == 303 and _taken(headers), "page": None}
    if outcome["taken"]:
        page_status, _, page = session.get(re.sub(r"^https?://[^/]+", "", headers["location"]))
        outcome["page"] = page_status
    return outcome


def test_concurrent_registrants_hold_capacity_without_loss_or_duplicates(
    make_live_server, record_testsuite_property
):
    server = make_live_server()
    server.start()
    seeded = server.seed(capacity=CAPACITY)
    rooms = [str(i) for i in server.breakout_ids(seeded.gathering_id)]
    # Each double submit is sent side by side, so the two requests really race.
    people = [n for n in range(DUPLICATES) for _ in (1, 2)] + list(range(DUPLICATES, REGISTRANTS))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        outcomes = list(
            pool.map(lambda n: _register(server, seeded.slug, n, rooms[n % len(rooms)]), people)
        )
    elapsed = time.monotonic() - started

    statuses = Counter(o["post"] for o in outcomes)
    server_errors = [o for o in outcomes if o["post"] >= 500 or (o["page"] or 0) >= 500]
    figures(
        record_testsuite_property,
        f"load: {len(people)} submissions ({REGISTRANTS} people, {DUPLICATES} double "
        f"submits), concurrency {CONCURRENCY}, {elapsed:.1f}s, statuses {dict(statuses)}, "
        f"5xx {len(server_errors)}",
    )
    assert not server_errors
    # Every submission, a double submit's second one too, gets "check your email" (the
    # page never says who is registered; the link goes to the address).
    assert statuses == {303: REGISTRANTS + DUPLICATES}
    assert all(o["taken"] and o["page"] == 200 for o in outcomes)
    log = server.log_text()
    assert "Unhandled error" not in log and "WORKER TIMEOUT" not in log

    from app.extensions import db
    from app.models import ManageToken, OutboundEmail, Registration
    from app.registration.services import waitlist_position

    with server.app_context():
        rows = db.session.execute(
            select(Registration.email, Registration.status, Registration.id).where(
                Registration.gathering_id == seeded.gathering_id
            )
        ).all()
        tokenless = db.session.scalar(
            select(func.count(Registration.id)).where(
                ~Registration.id.in_(select(ManageToken.registration_id))
            )
        )
        waiting = db.session.scalars(
            select(Registration).where(
                Registration.gathering_id == seeded.gathering_id,
                Registration.status == "waitlisted",
            )
        ).all()
        positions = {r.id: waitlist_position(r) for r in waiting}
        told = Counter(
            db.session.execute(select(OutboundEmail.to_address, OutboundEmail.kind)).all()
        )
    emails = [row.email for row in rows]
    assert len(emails) == len(set(emails)) == REGISTRANTS
    assert set(emails) == {f"registrant{n}@example.org" for n in range(REGISTRANTS)}
    by_status = Counter(row.status for row in rows)
    assert by_status == {"confirmed": CAPACITY, "waitlisted": REGISTRANTS - CAPACITY}
    assert tokenless == 0
    # What people were told agrees with what was stored: one email each saying place or
    # waitlist, and for a double submit one more with the link.
    status_of = {row.email: row.status for row in rows}
    kinds = {"confirmed": "registration_confirmed", "waitlisted": "registration_waitlisted"}
    assert {
        (address, kind): count for (address, kind), count in told.items() if kind in kinds.values()
    } == {(address, kinds[status]): 1 for address, status in status_of.items()}
    again = {address for (address, kind) in told if kind == "manage_link"}
    assert again == {f"registrant{n}@example.org" for n in range(DUPLICATES)}
    # First come, first served: rows are inserted under the gathering's lock, so ids run
    # in the order people got in. Nobody confirmed came after anybody waitlisted, and
    # the waitlist numbers everyone once, 1 to N.
    confirmed_ids = [row.id for row in rows if row.status == "confirmed"]
    assert max(confirmed_ids) < min(positions)
    assert sorted(positions.values()) == list(range(1, len(positions) + 1))
    by_position = [rid for rid, _ in sorted(positions.items(), key=lambda item: item[1])]
    out_of_turn = sum(1 for a, b in zip(by_position, by_position[1:], strict=False) if a > b)
    figures(
        record_testsuite_property,
        f"waitlist: {len(positions)} in line, {out_of_turn} neighbours ordered differently "
        f"by time than by arrival",
    )


def test_sigkill_mid_burst_loses_no_confirmed_registration(
    make_live_server, record_testsuite_property
):
    server = make_live_server()
    server.start()
    seeded = server.seed()
    rooms = [str(i) for i in server.breakout_ids(seeded.gathering_id)]
    confirmed: list[int] = []
    failed = Counter()
    stop = threading.Event()
    numbers = itertools.count()
    lock = threading.Lock()

    def keep_registering() -> None:
        while not stop.is_set():
            with lock:
                n = next(numbers)
            try:
                outcome = _register(server, seeded.slug, n, rooms[n % len(rooms)])
            except (OSError, HTTPException, AssertionError) as error:
                failed[type(error).__name__] += 1
                return  # the server died under this request; nothing more to send
            if outcome["post"] >= 500 or (outcome["page"] or 0) >= 500:
                failed["5xx"] += 1
            if outcome["taken"] and outcome["page"] == 200:
                with lock:
                    confirmed.append(n)

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(keep_registering) for _ in range(8)]
        deadline = time.monotonic() + 30
        while len(confirmed) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()
        stop.set()
        for future in futures:
            future.result()
    assert len(confirmed) >= 30, "the burst never got going"
    assert failed["5xx"] == 0

    server.start()
    figures(
        record_testsuite_property,
        f"kill: {len(confirmed)} confirmations before SIGKILL, "
        f"{sum(failed.values())} requests in flight cut off ({dict(failed)})",
    )
    from app.extensions import db
    from app.models import Registration

    with server.app_context():
        stored = set(
            db.session.scalars(
                select(Registration.email).where(Registration.gathering_id == seeded.gathering_id)
            )
        )
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        missing = [n for n in confirmed if f"registrant{n}@example.org" not in stored]
        sampled = [n for n in confirmed[:: max(1, len(confirmed) // 10)] if n not in missing]
        from tests.fixtures_server import emailed_token  # a plugin here: loaded already

        tokens = [emailed_token(f"registrant{n}@example.org") for n in sampled]
    assert missing == []
    # And the private links they were emailed still open after the restart.
    for token in tokens:
        status, _, _ = server.session().get(f"/r/{token}")
        assert status == 200


def test_smtp_outage_every_email_delivered_exactly_once_afterwards(
    make_live_server, smtp_server, record_testsuite_property
):
    smtp = smtp_server
    smtp.stop()  # its port stays chosen but nothing listens: SMTP is down
    server = make_live_server(
        extra_env={
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "MAIL_DEFAULT_SENDER": "Perinatal CoP <cop@gathering.test>",
        },
    )
    server.start()
    seeded = server.seed(capacity=10)
    rooms = [str(i) for i in server.breakout_ids(seeded.gathering_id)]
    count = 24
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(
            pool.map(
                lambda n: _register(server, seeded.slug, n, rooms[n % len(rooms)]),
                range(count),
            )
        )
    assert [o["post"] for o in outcomes] == [303] * count

    from app.extensions import db
    from app.models import MailStatus, OutboundEmail

    def statuses() -> Counter:
        with server.app_context():
            return Counter(db.session.scalars(select(OutboundEmail.status)))

    # Background delivery after each response tries and fails; wait until it settles.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = statuses()
        if current[MailStatus.QUEUED] == 0 and current[MailStatus.SENDING] == 0:
            break
        time.sleep(0.2)
    down = statuses()
    assert down[MailStatus.SENT] == 0
    assert down[MailStatus.FAILED] >= count  # at least one message per registrant

    smtp.start()
    try:
        output = server.flask("send-mail", "--retry-now")
        assert "gave up 0" in output
        again = server.flask("send-mail", "--retry-now")
        assert "Sent 0" in again
        time.sleep(0.5)
        received = [message["Message-ID"] for message in smtp.inbox.messages]
    finally:
        smtp.stop()

    with server.app_context():
        rows = db.session.execute(
            select(OutboundEmail.message_id, OutboundEmail.to_address, OutboundEmail.status)
        ).all()
    figures(
        record_testsuite_property,
        f"smtp outage: {count} registrants, {len(rows)} emails queued, "
        f"{len(received)} delivered after recovery",
    )
    assert {row.status for row in rows} == {MailStatus.SENT}
    assert len(received) == len(set(received)) == len(rows)
    assert set(received) == {row.message_id for row in rows}
    recipients = {row.to_address for row in rows}
    assert recipients == {f"registrant{n}@example.org" for n in range(count)}
