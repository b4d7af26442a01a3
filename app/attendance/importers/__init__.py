"""Pure parsers for the attendance reports that Zoom and Microsoft Teams export.

Bytes go in, a :class:`ParsedReport` comes out; nothing here touches the database or
the request. Real exports vary a lot (encoding, byte order, delimiter, header wording
and capitalisation, date order, two-digit years, 12h or 24h clocks, durations written
as minutes or as ``1h 2m 3s``), so the parser finds the header by meaning rather than
by exact text and decides the date order once per file. A file it cannot read raises
:class:`AttendanceFileError`, which names the problem and, where there is one, the line.

Times are returned as naive wall-clock datetimes, exactly as written in the file: the
exporting account's zone is not in the file, so the caller applies the gathering's zone.
"""

from app.attendance.importers.decoding import (
    DEFAULT_MAX_BYTES,
    MAX_ROWS,
    AttendanceFileError,
    Problem,
    decode_report,
    read_upload,
)
from app.attendance.importers.parsing import (
    ROW_COLUMNS,
    AttendanceRow,
    ParsedReport,
    parse_report,
    rows_frame,
    texts,
)
from app.attendance.importers.tables import ReportFormat, map_header
from app.attendance.importers.times import DateOrder, decide_date_order, parse_duration

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_ROWS",
    "ROW_COLUMNS",
    "AttendanceFileError",
    "AttendanceRow",
    "DateOrder",
    "ParsedReport",
    "Problem",
    "ReportFormat",
    "decide_date_order",
    "decode_report",
    "read_upload",
    "map_header",
    "parse_duration",
    "parse_report",
    "rows_frame",
    "texts",
]
