"""Report bytes to text: size, binary files, byte order marks and encodings."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import BinaryIO

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# Lines a report may have besides its data rows: meeting details, headings, blank lines.
EXTRA_LINES = 200
CHUNK = 1 << 16


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TOO_MANY_ROWS = "too_many_rows"
    BINARY = "binary"
    ENCODING = "encoding"
    WRONG_FORMAT = "wrong_format"
    MISSING_COLUMNS = "missing_columns"
    BAD_TIME = "bad_time"
    BAD_DURATION = "bad_duration"
    NO_ROWS = "no_rows"


class AttendanceFileError(ValueError):
    """A report that cannot be imported; ``str()`` is a sentence a person can act on."""

    def __init__(self, problem: Problem, message: str, *, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        self.detail = message
        text = f"Line {line}: {message}" if line is not None else message
        super().__init__(text)


_BINARY_MAGIC = {
    b"PK\x03\x04": "an Excel workbook or ZIP archive (export the report as CSV instead)",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel or Word file (export the report as CSV instead)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}


def decode_report(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, str]:
    """Return (text, encoding name) for report bytes, refusing what is not text."""
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise AttendanceFileError(Problem.EMPTY, "The file is empty.")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise AttendanceFileError(Problem.BINARY, f"This is {what}, not a CSV report.")

    if data.startswith(b"\xef\xbb\xbf"):
        encoding, body = "utf-8-sig", data[3:]
    elif data.startswith(b"\xff\xfe"):
        encoding, body = "utf-16-le", data[2:]
    elif data.startswith(b"\xfe\xff"):
        encoding, body = "utf-16-be", data[2:]
    else:
        encoding, body = _sniff_bomless(data), data
    try:
        text = body.decode(encoding.removesuffix("-sig"))
    except UnicodeDecodeError as exc:
        if encoding == "utf-8" and _UTF8_SEQUENCE.search(body) is not None:
            # Accented names elsewhere are UTF-8: this is a UTF-8 file with a bad byte, and
            # reading it all as cp1252 would garble every one of those names unnoticed.
            line = body[: exc.start].count(b"\n") + 1
            raise AttendanceFileError(
                Problem.ENCODING,
                "this line has a character that is not valid UTF-8 text, while the rest of "
                "the file is UTF-8. Correct it, or save the report again as UTF-8.",
                line=line,
            ) from None
        if encoding == "utf-8":
            encoding, text = "cp1252", _decode_cp1252(data)
        else:
            line = body[: exc.start].count(b"\n") + 1 if encoding.startswith("utf-8") else None
            raise AttendanceFileError(
                Problem.ENCODING,
                f"The file is not valid {encoding.upper().removesuffix('-SIG')} text.",
                line=line,
            ) from None
    bad = _first_control_char_line(text, body if encoding in ("utf-8", "cp1252") else None)
    if bad is not None:
        raise AttendanceFileError(
            Problem.BINARY, "The file contains binary data, not a CSV report.", line=bad
        )
    return text, encoding


# A well-formed UTF-8 sequence for a character beyond ASCII (as accented names have).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _sniff_bomless(data: bytes) -> str:
    sample = data[:4096]
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nuls > half * 0.3 and even_nuls < half * 0.05:
            return "utf-16-le"
        if even_nuls > half * 0.3 and odd_nuls < half * 0.05:
            return "utf-16-be"
    if b"\x00" in sample:
        raise AttendanceFileError(Problem.BINARY, "The file contains binary data, not a report.")
    return "utf-8"  # or cp1252, when decoding it as UTF-8 fails


def _decode_cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise AttendanceFileError(Problem.ENCODING, "The file is not valid CP1252 text.") from None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Every byte but the control characters _CONTROL finds, which in UTF-8 and cp1252 are
# those same single bytes: deleting these from a file's bytes leaves its control
# characters, far faster than searching its text.
_NOT_CONTROL = bytes(
    byte for byte in range(256) if not (byte < 0x20 and byte not in b"\t\n\r") and byte != 0x7F
)


def _first_control_char_line(text: str, data: bytes | None = None) -> int | None:
    if data is not None and not data.translate(None, _NOT_CONTROL):
        return None
    match = _CONTROL.search(text)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1


def too_large(max_bytes: int) -> AttendanceFileError:
    return AttendanceFileError(
        Problem.TOO_LARGE,
        f"The file is larger than the limit of {max_bytes / 1_048_576:.0f} MB; "
        "export the report for one meeting at a time.",
    )


def read_upload(
    stream: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES, max_rows: int = MAX_ROWS
) -> bytes:
    """Read an uploaded file a block at a time, stopping as soon as it passes the size
    limit or has more lines than ``max_rows`` data rows can take, so a file far over
    the row limit is refused after reading only its first part."""
    import numpy as np

    blocks: list[bytes] = []
    size = lines = 0
    wide: str | None = None
    carry = b""
    while block := stream.read(CHUNK):
        size += len(block)
        if size > max_bytes:
            raise too_large(max_bytes)
        if wide is None:
            wide = _wide_encoding(block)
        blocks.append(block)
        if wide is None:
            lines += block.count(b"\n")
        else:
            block, carry = carry + block, b""
            if len(block) % 2:
                block, carry = block[:-1], block[-1:]
            lines += int(np.count_nonzero(np.frombuffer(block, dtype=wide) == 0x0A))
        if lines > max_rows + EXTRA_LINES:
            raise too_many_rows(max_rows)
    return b"".join(blocks)


def _wide_encoding(head: bytes) -> str | None:
    """The numpy type of a UTF-16 file's code units (little or big endian), if it is one."""
    if head.startswith(b"\xff\xfe"):
        return "<u2"
    if head.startswith(b"\xfe\xff"):
        return ">u2"
    try:
        encoding = _sniff_bomless(head)
    except AttendanceFileError:
        return None
    return {"utf-16-le": "<u2", "utf-16-be": ">u2"}.get(encoding)


def too_many_rows(max_rows: int) -> AttendanceFileError:
    return AttendanceFileError(
        Problem.TOO_MANY_ROWS,
        f"The file has more than {max_rows:,} rows, the most one upload can hold; "
        "export the report for one meeting at a time.",
    )
