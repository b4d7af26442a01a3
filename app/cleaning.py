"""Text cleaning for everything typed or uploaded: one set of rules, used by the base form,
by the survey (whose answers are read straight from the request), by upload parsers and by
the exports (for rows stored before these rules existed).

Unicode NFC, no C0/C1 control characters (newline and tab survive only in multi-line text),
no line break in single-line text, surrounding whitespace stripped. A NUL byte is refused
rather than dropped: PostgreSQL cannot store it, and it is never typed by a person."""

import re
import unicodedata

FIRST_YEAR = 1900
LAST_YEAR = 2100
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
NUL_MESSAGE = "This contains a character that cannot be stored (a null byte). Please retype it."

_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")
_CONTROLS_SINGLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROLS_MULTI = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t]+")


class NulByte(ValueError):
    """The text holds a NUL byte; the message is meant for the person who typed it."""

    def __init__(self) -> None:
        super().__init__(NUL_MESSAGE)


def clean_line(value: str) -> str:
    """Single-line text (names, subjects, organisations): line breaks and tabs become one
    space, other control characters go."""
    if "\x00" in value:
        raise NulByte()
    text = unicodedata.normalize("NFC", value)
    text = _LINE_BREAKS.sub(" ", text)
    text = _CONTROLS_SINGLE.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def clean_multiline(value: str) -> str:
    """Multi-line text: line breaks become "\\n", tabs stay, other control characters go."""
    if "\x00" in value:
        raise NulByte()
    text = unicodedata.normalize("NFC", value)
    text = _LINE_BREAKS.sub("\n", text)
    return _CONTROLS_MULTI.sub("", text).strip()


def scrub(value: str, *, multiline: bool = True) -> str:
    """Like the cleaners, but a NUL is dropped instead of refused: for text that is already
    stored or comes from a file, where nobody can retype it."""
    text = value.replace("\x00", "")
    return clean_multiline(text) if multiline else clean_line(text)


def one_line(value: str | None) -> str:
    """Stored single-line text made safe to put at the start of a line (email greetings,
    subjects): any old row with a line break reads as one line."""
    return scrub(value or "", multiline=False)


_PLAIN_INTEGER = re.compile(r"-?[0-9]{1,20}")


def db_int(value: str | None) -> int | None:
    """A number typed or posted outside a form field (hidden ids, "back" links): plain ASCII
    digits within what an INTEGER column holds, else None. str.isdigit() alone lets "²",
    "--5" and 30-digit numbers through, which int() or the database driver then reject."""
    text = (value or "").strip()
    if _PLAIN_INTEGER.fullmatch(text) is None:
        return None
    number = int(text)
    return number if DB_INT_MIN <= number <= DB_INT_MAX else None
