"""Writing frames of rows in bulk (app.attendance.bulk) into the real database: what
goes in comes back, across statement boundaries, with the shared values in every row."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from app.attendance import bulk
from app.extensions import db
from app.models import ImportBatch, ImportPerson

NAMES = ["Émilie Côté", "Jordan O'Neill", 'Sam "Sammy" Wu', "Łukasz; DROP TABLE x", "", "?1 ?"]


@pytest.mark.parametrize("rows_per_insert", [bulk.ROWS_PER_INSERT, 7, 1])
def test_rows_written_in_bulk_read_back_the_same(app, make_gathering, monkeypatch, rows_per_insert):
    monkeypatch.setattr(bulk, "ROWS_PER_INSERT", rows_per_insert)
    batch = ImportBatch(gathering=make_gathering(), sha256="0" * 64, format="zoom")
    db.session.add(batch)
    db.session.flush()
    count = 1_234
    start = datetime(2022, 10, 20, 15, 45, 7, tzinfo=UTC)
    joins = [start + timedelta(seconds=97 * i) if i % 5 else None for i in range(count)]
    frame = pd.DataFrame(
        {
            "position": range(count),
            "key": pd.Series([f"u:person{i}" for i in range(count)], dtype=object),
            "status": pd.Series(["unmatched"] * count, dtype=object),
            "name": pd.Series([NAMES[i % len(NAMES)] for i in range(count)], dtype=object),
            "email": pd.Series(
                [f"p{i}@x.example" if i % 3 else "" for i in range(count)], dtype=object
            ),
            "upn": pd.Series([""] * count, dtype=object),
            "seconds": [i * 60 for i in range(count)],
            "first_join": pd.to_datetime(pd.Series(joins), utc=True),
            "last_leave": pd.to_datetime(pd.Series(joins), utc=True) + pd.Timedelta(minutes=30),
            "rows": [1 + i % 4 for i in range(count)],
            "registration_id": pd.array([None] * count, dtype="Int64"),
            "matched_by": pd.Series(
                [None if i % 2 else "name" for i in range(count)], dtype=object
            ),
        }
    )

    written = bulk.insert_frame(
        ImportPerson.__table__,
        frame,
        same={"batch_id": batch.id, "candidate_ids": "8,10", "decision": ""},
    )

    assert written == count
    stored = db.session.execute(
        select(
            ImportPerson.batch_id,
            ImportPerson.position,
            ImportPerson.key,
            ImportPerson.name,
            ImportPerson.email,
            ImportPerson.seconds,
            ImportPerson.first_join,
            ImportPerson.last_leave,
            ImportPerson.rows,
            ImportPerson.registration_id,
            ImportPerson.matched_by,
            ImportPerson.candidate_ids,
            ImportPerson.decision,
        ).order_by(ImportPerson.position)
    ).all()
    assert [tuple(row) for row in stored] == [
        (
            batch.id,
            i,
            f"u:person{i}",
            NAMES[i % len(NAMES)],
            f"p{i}@x.example" if i % 3 else "",
            i * 60,
            joins[i],
            joins[i] + timedelta(minutes=30) if joins[i] else None,
            1 + i % 4,
            None,
            None if i % 2 else "name",
            "8,10",
            "",
        )
        for i in range(count)
    ]


def test_rows_updated_in_bulk_change_only_themselves(app, make_gathering):
    batch = ImportBatch(gathering=make_gathering(), sha256="0" * 64, format="zoom")
    db.session.add(batch)
    db.session.flush()
    count = 600
    frame = pd.DataFrame(
        {
            "position": range(count),
            "key": pd.Series([f"u:p{i}" for i in range(count)], dtype=object),
            "status": pd.Series(["unmatched"] * count, dtype=object),
            "seconds": [60] * count,
        }
    )
    blank = {"name": "", "email": "", "upn": "", "candidate_ids": "", "decision": ""}
    empty = {"first_join": None, "last_leave": None, "registration_id": None, "matched_by": None}
    same = {"batch_id": batch.id, "rows": 1, **blank, **empty}
    bulk.insert_frame(ImportPerson.__table__, frame, same=same)
    ids = db.session.scalars(select(ImportPerson.id).order_by(ImportPerson.position)).all()
    changed = ids[::3]
    decisions = [f"reg:{i}" if i % 2 else "skip" for i in range(len(changed))]
    updates = pd.DataFrame(
        {
            "id": changed,
            "seconds": [7 * i for i in range(len(changed))],
            "decision": pd.Series(decisions, dtype=object),
        }
    )
    left = datetime(2022, 10, 20, 16, 30, tzinfo=UTC)

    updated = bulk.update_frame(ImportPerson.__table__, updates, same={"last_leave": left})

    assert updated == len(changed)
    stored = db.session.execute(
        select(
            ImportPerson.id, ImportPerson.seconds, ImportPerson.decision, ImportPerson.last_leave
        ).order_by(ImportPerson.position)
    ).all()
    expected = {
        id_: (7 * i, decision, left)
        for i, (id_, decision) in enumerate(zip(changed, decisions, strict=True))
    }
    assert [tuple(row[1:]) for row in stored] == [
        expected.get(row[0], (60, "", None)) for row in stored
    ]
