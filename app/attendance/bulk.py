"""Writing frames of rows in a few statements, for imports of tens of thousands.

The ORM (and Core with typed parameters) converts every value in Python, one at a
time; for 10,000 records that costs more than everything else in an import. Here the
columns are converted a column at a time and go to the driver in the session's
transaction: on SQLite as INSERTs of hundreds of rows each, on PostgreSQL as one
INSERT of arrays the server unnests, and for updates (or other databases) as one
executemany of a statement compiled once for the dialect. Times are UTC: SQLite gets
the text SQLAlchemy itself would store, PostgreSQL gets aware datetimes for its
timestamptz columns.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from itertools import chain
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, bindparam, insert, update

from app.extensions import db

if TYPE_CHECKING:
    import pandas as pd

NOTHING: Mapping[str, Any] = MappingProxyType({})
ROWS_PER_INSERT = 500


def _utc_values(column: pd.Series, dialect: str) -> list[Any]:
    """A column of UTC times (aware or naive-UTC) as the driver takes them."""
    import numpy as np
    import pandas as pd

    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_convert(UTC).dt.tz_localize(None)
    naive = column.to_numpy(dtype="datetime64[us]")
    missing = np.isnat(naive)
    if dialect == "sqlite":
        stamps = np.datetime_as_string(naive, unit="us")
        if len(stamps) and not missing.all():
            letters = stamps.view(np.uint32).reshape(len(stamps), -1)
            letters[~missing, 10] = ord(" ")
        text = stamps.tolist()
        for at in np.flatnonzero(missing).tolist():
            text[at] = None
        return text
    moments = np.array(pd.Series(naive).dt.tz_localize(UTC).dt.to_pydatetime(), dtype=object)
    moments[missing] = None
    return moments.tolist()


def _values(column: pd.Series, dialect: str) -> list[Any]:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return _utc_values(column, dialect)
    if isinstance(column.dtype, pd.Int64Dtype):
        if not column.hasnans:
            return column.astype("int64").tolist()
        return [None if value is pd.NA else value for value in column.tolist()]
    if pd.api.types.is_integer_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        return column.tolist()
    values = column.astype(object).to_numpy(copy=True)
    values[pd.isna(values)] = None
    return values.tolist()


def _value(value: Any, dialect: str) -> Any:
    """One value as :func:`_values` gives a column of them (a pandas Series of one value
    costs far more than converting it)."""
    if isinstance(value, datetime):
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        if dialect == "sqlite":
            return moment.replace(tzinfo=None).isoformat(" ", "microseconds")
        return moment
    return value.item() if hasattr(value, "item") else value


def _rows(
    frame: pd.DataFrame, columns: Sequence[str], dialect: str, same: Mapping[str, Any]
) -> list[tuple]:
    """The rows' parameters in ``columns`` order; a value in ``same`` is converted once
    and repeated."""

    shared = {name: [_value(value, dialect)] for name, value in same.items()}
    return list(
        zip(
            *(
                shared[name] * len(frame) if name in shared else _values(frame[name], dialect)
                for name in columns
            ),
            strict=True,
        )
    )


def insert_frame(table: Table, frame: pd.DataFrame, *, same: Mapping[str, Any] = NOTHING) -> int:
    """INSERT every row of ``frame`` (its columns named as the table's) into ``table``,
    with the values in ``same`` (by column) in every row."""
    if frame.empty:
        return 0
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name == "sqlite":
        _insert_many_rows(connection, table, frame, same)
        return len(frame)
    if dialect.name == "postgresql":
        _insert_from_arrays(connection, table, frame, same)
        return len(frame)
    columns = [*frame.columns, *same]
    compiled = insert(table).compile(dialect=dialect, column_keys=columns)
    if compiled.positional:
        params: list[Any] = _rows(frame, compiled.positiontup, dialect.name, same)
    else:
        rows = _rows(frame, columns, dialect.name, same)
        params = [dict(zip(columns, row, strict=True)) for row in rows]
    connection.exec_driver_sql(str(compiled), params)
    return len(frame)


def _insert_many_rows(
    connection: Connection, table: Table, frame: pd.DataFrame, same: Mapping[str, Any]
) -> None:
    """SQLite: a few hundred rows per INSERT ... VALUES, the values every row shares
    bound once per statement (each row repeats ?1, ?2, ...; its own values follow as
    plain ?, which SQLite numbers on from there). Binding and stepping one row at a
    time through executemany costs about twice as much."""
    quote = connection.dialect.identifier_preparer.quote
    varying = list(frame.columns)
    shared = [_value(value, "sqlite") for value in same.values()]
    row = "(" + ", ".join([f"?{i}" for i in range(1, len(shared) + 1)] + ["?"] * len(varying)) + ")"
    names = ", ".join(quote(name) for name in [*same, *varying])
    head = f"INSERT INTO {quote(table.name)} ({names}) VALUES "  # noqa: S608 - quoted names
    columns = [_values(frame[name], "sqlite") for name in varying]
    # Within SQLite's limits on parameters (32,766 since 3.32, 999 before) and on the
    # rows of a VALUES list (500 by default; older versions counted them as SELECTs).
    sqlite = connection.connection.dbapi_connection
    parameters = sqlite.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - len(shared)
    rows = min(ROWS_PER_INSERT, sqlite.getlimit(sqlite3.SQLITE_LIMIT_COMPOUND_SELECT))
    step = max(1, min(rows, parameters // max(len(varying), 1)))
    for start in range(0, len(frame), step):
        part = [column[start : start + step] for column in columns]
        values = chain.from_iterable(zip(*part, strict=True))
        connection.exec_driver_sql(head + ", ".join([row] * len(part[0])), (*shared, *values))


def _insert_from_arrays(
    connection: Connection, table: Table, frame: pd.DataFrame, same: Mapping[str, Any]
) -> None:
    """PostgreSQL: all the rows in one statement, each column sent as one array that
    the server unnests (executemany sends, binds and runs the rows one by one)."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    varying = list(frame.columns)

    def typed(name: str, suffix: str = "") -> str:
        return f"CAST(%s AS {table.c[name].type.compile(dialect=dialect)}{suffix})"

    names = ", ".join(quote(name) for name in [*same, *varying])
    values = ", ".join([*(typed(name) for name in same), "given.*"])
    arrays = ", ".join(typed(name, "[]") for name in varying)
    statement = f"INSERT INTO {quote(table.name)} ({names}) SELECT {values} "  # noqa: S608
    connection.exec_driver_sql(
        statement + "FROM unnest(" + arrays + ") AS given",
        (
            *(_value(value, dialect.name) for value in same.values()),
            *(_values(frame[name], dialect.name) for name in varying),
        ),
    )


def update_frame(
    table: Table, frame: pd.DataFrame, *, key: str = "id", same: Mapping[str, Any] = NOTHING
) -> int:
    """UPDATE the rows of ``table`` whose ``key`` is in ``frame`` (each once), setting its
    other columns (and those in ``same`` to the same value): on PostgreSQL from arrays
    in one statement, elsewhere with one executemany."""
    if frame.empty:
        return 0
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        _update_from_arrays(connection, table, frame, key, same)
        return len(frame)
    columns = [name for name in [*frame.columns, *same] if name != key]
    statement = (
        update(table)
        .where(table.c[key] == bindparam("b_key"))
        .values({name: bindparam(f"b_{name}") for name in columns})
    )
    compiled = statement.compile(dialect=dialect)
    names = [key, *columns]
    bound = ["b_key", *(f"b_{name}" for name in columns)]
    if compiled.positional:
        params: list[Any] = _rows(
            frame, [names[bound.index(name)] for name in compiled.positiontup], dialect.name, same
        )
    else:
        rows = _rows(frame, names, dialect.name, same)
        params = [dict(zip(bound, row, strict=True)) for row in rows]
    connection.exec_driver_sql(str(compiled), params)
    return len(frame)


def _update_from_arrays(
    connection: Connection, table: Table, frame: pd.DataFrame, key: str, same: Mapping[str, Any]
) -> None:
    """PostgreSQL: every row's UPDATE in one statement, joined to the arrays of new values
    the server unnests."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    varying = list(frame.columns)
    given = [f"v{i}" for i in range(len(varying))]

    def sql_type(name: str) -> str:
        return table.c[name].type.compile(dialect=dialect)

    changes = [
        f"{quote(name)} = given.{alias}"
        for name, alias in zip(varying, given, strict=True)
        if name != key
    ] + [f"{quote(name)} = CAST(%s AS {sql_type(name)})" for name in same]
    arrays = ", ".join(f"CAST(%s AS {sql_type(name)}[])" for name in varying)
    target = quote(table.name)
    statement = f"UPDATE {target} SET {', '.join(changes)} "  # noqa: S608 - quoted names
    connection.exec_driver_sql(
        statement
        + f"FROM unnest({arrays}) AS given({', '.join(given)}) "
        + f"WHERE {target}.{quote(key)} = given.{given[varying.index(key)]}",
        (
            *(_value(value, dialect.name) for value in same.values()),
            *(_values(frame[name], dialect.name) for name in varying),
        ),
    )
