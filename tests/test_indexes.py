"""Check-in counts the thousands a plenary expects from an index alone, never from the
rows (app/attendance/checkin.py, `ix_registrations_reachable`)."""

from datetime import UTC, datetime

from sqlalchemy import text

from app.attendance import checkin
from app.choices import RegistrationStatus
from app.extensions import db
from app.models import Registration


def _plan(statement, parameters) -> str:
    """The database's plan for the statement, its values written in."""
    sql = str(
        statement.params(**parameters).compile(db.engine, compile_kwargs={"literal_binds": True})
    )
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(text("EXPLAIN QUERY PLAN " + sql))
        return "\n".join(str(row[-1]) for row in rows)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE registrations")
        return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql))


def test_a_plenarys_expected_count_reads_the_index_of_reachable_people_alone(app, make_gathering):
    gathering = make_gathering()
    db.session.add_all(
        Registration(
            gathering_id=gathering.id,
            name=f"Person {n}",
            email=f"person{n}@example.org",
            role="nurse",
            organisation_name="Northern Health",
            organisation_type="health_authority",
            health_region="northern",
            consent_collection_at=datetime.now(UTC),
            status=RegistrationStatus.CONFIRMED if n % 10 else RegistrationStatus.CANCELLED,
        )
        for n in range(3000)
    )
    db.session.commit()
    statement = checkin._EXPECTED_COUNT[False]
    parameters = {"gathering": gathering.id}
    assert db.session.scalar(statement, parameters) == 2700

    plan = _plan(statement, parameters)

    if db.engine.dialect.name == "sqlite":
        assert "USING COVERING INDEX ix_registrations_reachable" in plan, plan
    else:
        assert "Index Only Scan using ix_registrations_reachable" in plan, plan
