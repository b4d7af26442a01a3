"""check-in search: registrations folded for search in SQL; check-ins indexed by item

Revision ID: 9d4c2a7e5f18
Revises: 7b2e4d91c6a3
Create Date: 2026-12-07 04:30:00

"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "9d4c2a7e5f18"
down_revision = "7b2e4d91c6a3"
branch_labels = None
depends_on = None

# Folding as app/attendance/names.py did when this was written: lower case, no accents,
# no apostrophes.
_SPECIAL = {"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ß": "ss", "æ": "ae", "Æ": "ae"}
_SPECIAL |= {"œ": "oe", "Œ": "oe", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "ı": "i"}
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]")
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")


def _fold(text):
    if not text.isascii():
        text = unicodedata.normalize("NFKD", "".join(_SPECIAL.get(ch, ch) for ch in text))
        plain = _LATIN_MARKS.sub("", text)
        if plain.isascii():
            text = plain
        else:
            text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", text.casefold())


def upgrade():
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("folded_name", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("folded_email", sa.Text(), server_default="", nullable=False))
    registrations = sa.table(
        "registrations",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("email", sa.String),
        sa.column("folded_name", sa.Text),
        sa.column("folded_email", sa.Text),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(registrations.c.id, registrations.c.name, registrations.c.email)
    ).all()
    if rows:
        connection.execute(
            registrations.update()
            .where(registrations.c.id == sa.bindparam("row_id"))
            .values(
                folded_name=sa.bindparam("name_folded"),
                folded_email=sa.bindparam("email_folded"),
            ),
            [
                {"row_id": row.id, "name_folded": _fold(row.name), "email_folded": _fold(row.email)}
                for row in rows
            ],
        )
    op.create_index(
        "ix_registrations_gathering_search",
        "registrations",
        ["gathering_id", "folded_name", "folded_email", "status"],
    )
    op.create_index(
        "ix_attendance_records_item_source",
        "attendance_records",
        ["agenda_item_id", "source", "registration_id"],
    )
    # The index above begins with the item, so this one has nothing left to do.
    op.drop_index("ix_attendance_records_agenda_item_id", table_name="attendance_records")


def downgrade():
    op.create_index(
        "ix_attendance_records_agenda_item_id", "attendance_records", ["agenda_item_id"]
    )
    op.drop_index("ix_attendance_records_item_source", table_name="attendance_records")
    op.drop_index("ix_registrations_gathering_search", table_name="registrations")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("folded_email")
        batch.drop_column("folded_name")
