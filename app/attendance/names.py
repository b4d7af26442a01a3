"""People's names and email addresses as keys for matching, one at a time or a whole
column at once.

The column functions give exactly what the one-value functions give, value by value;
they join the column into one string so that accents, case and punctuation are
folded by a handful of C-level calls instead of several Python calls per value, and
only values out of the ordinary go through the one-value function.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable

from app.addresses import normalise_email

_TITLES = frozenset(
    {
        *("dr", "doctor", "elder", "mr", "mrs", "ms", "mx", "miss", "prof", "professor"),
        *("rev", "reverend", "chief", "sister", "father", "auntie", "uncle", "hon"),
    }
)
_CREDENTIALS = frozenset(
    {
        *("md", "rn", "rpn", "lpn", "np", "rm", "phd", "mph", "msc", "bsc", "bsn", "msn"),
        *("frcpc", "frcsc", "ccfp", "fcfp", "ibclc", "mba", "msw", "rsw", "ii", "iii"),
    }
)
_SPECIAL_LETTERS = {
    "ø": "o",
    "Ø": "o",
    "ł": "l",
    "Ł": "l",
    "ß": "ss",
    "æ": "ae",
    "Æ": "ae",
    "œ": "oe",
    "Œ": "oe",
    "đ": "d",
    "Đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
}
# A search for the few special letters, rather than str.translate, which looks every
# character of the text up in a dictionary.
_SPECIAL = re.compile("[" + "".join(_SPECIAL_LETTERS) + "]")
_BRACKETED = re.compile(r"[(\[{][^)\]}]*[)\]}]?")
_SUFFIX_SEPARATOR = re.compile(r"\s+(?:[-|–—]|//)\s+.*$")
_PRONOUNS = re.compile(
    r"\b(?:she|he|they|ze|xe|ey|it)\s*/\s*(?:she|he|they|ze|xe|her|him|them|hir|zir|xem|em|hers|his|theirs)"
    r"(?:\s*/\s*\w+)?\b",
    re.IGNORECASE,
)
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_NON_LETTERS = re.compile(r"[^\w\s]|_")


# The combining marks that Latin letters decompose into (U+034F, which does not
# combine, aside); other scripts' marks are checked one character at a time.
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]")


def _special_letter(match: re.Match[str]) -> str:
    return _SPECIAL_LETTERS[match[0]]


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", _SPECIAL.sub(_special_letter, text))
    plain = _LATIN_MARKS.sub("", text)
    if plain.isascii():
        return plain
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def fold_text(text: str) -> str:
    """Lower-case, accent-free, apostrophe-free text, for searching."""
    return _APOSTROPHES.sub("", _strip_accents(text).casefold())


def _tokens(part: str) -> list[str]:
    part = _APOSTROPHES.sub("", part)
    return _NON_LETTERS.sub(" ", part.replace("-", " ")).split()


def _drop_trailing_credentials(tokens: list[str]) -> list[str]:
    while len(tokens) > 2 and tokens[-1] in _CREDENTIALS:
        tokens = tokens[:-1]
    return tokens


def normalise_name(name: str) -> str:
    """Fold a display name to ``first last`` form for comparison.

    "Dr. Émilie Côté (she/her)", "Côté, Émilie (Island Health)" and "emilie cote"
    all become "emilie cote".
    """
    text = _strip_accents(name).casefold()
    text = _BRACKETED.sub(" ", text)
    text = _PRONOUNS.sub(" ", text)
    text = _SUFFIX_SEPARATOR.sub("", text)
    if "," in text:
        last, _, first = text.partition(",")
        first_tokens, last_tokens = _tokens(first), _tokens(last)
        if all(token in _CREDENTIALS for token in first_tokens):
            tokens = last_tokens
        else:
            tokens = first_tokens + last_tokens
    else:
        tokens = _tokens(text)
    while len(tokens) > 1 and tokens[0] in _TITLES:
        tokens = tokens[1:]
    return " ".join(_drop_trailing_credentials(tokens))


_PLAIN_NAME = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")


def name_key(name: str) -> str:
    """Order-free name key, so "Nguyen Thi" and "Thi Nguyen" meet."""
    plain = name.strip()
    if _PLAIN_NAME.fullmatch(plain):
        tokens = plain.lower().split()
        if tokens[0] not in _TITLES and tokens[-1] not in _CREDENTIALS:
            return " ".join(sorted(tokens))
    return " ".join(sorted(normalise_name(name).split()))


# --- whole columns ----------------------------------------------------------------------


def _joined(values: list[str]) -> str | None:
    """The values on one line each, or None when a value holds a line break itself."""
    joined = "\n".join(values)
    return joined if joined.count("\n") == len(values) - 1 else None


# In a column of folded names with apostrophes taken out and hyphens made spaces, what
# makes a name need :func:`normalise_name`: anything but letters, digits and spaces
# (brackets, pronouns, commas, suffixes), a title first or a credential last; and,
# before the hyphens went, the lone hyphen of "Name - Organisation".
_USUAL = (string.ascii_lowercase + string.digits + " \n").encode()
_UNUSUAL = re.compile(r"[^a-z0-9 \n]+")
_LONE_HYPHEN = re.compile(r"(?<= )-(?= )")
# Each starts with a plain character, which re finds fast; run them on the column with
# a line break before it (titles) or after it (credentials).
_TITLE_FIRST = re.compile(r"\n *(?:" + "|".join(sorted(_TITLES)) + ") ")
_CREDENTIAL_LAST = re.compile(r" (?:" + "|".join(sorted(_CREDENTIALS)) + r") *\n")


def _lines_with(pattern: re.Pattern[str], text: str, into: set[int]) -> None:
    """Add to ``into`` the number of each line of ``text`` where ``pattern`` matches."""
    line = start = 0
    for match in pattern.finditer(text):
        line += text.count("\n", start, match.start())
        start = match.start()
        into.add(line)


def name_keys(names: Iterable[str]) -> list[str]:
    """:func:`name_key` of every name.

    Accents and case are folded on the joined column at once (both act on each
    character alone, so the result splits back into the names' own foldings); names
    made only of words then need just a split and a sort, and the few others (found
    by searching the whole column) go through :func:`name_key`."""
    names = list(names)
    joined = _joined(names)
    if joined is None:
        return list(map(name_key, names))
    folded = _strip_accents(joined).casefold()
    words = _APOSTROPHES.sub("", folded).replace("-", " ")
    lines = words.split("\n")
    if len(lines) != len(names):
        return list(map(name_key, names))
    unusual: set[int] = set()
    if not words.isascii() or words.encode().translate(None, _USUAL):
        _lines_with(_UNUSUAL, words, unusual)
    if " - " in folded:
        _lines_with(_LONE_HYPHEN, folded, unusual)
    _lines_with(_TITLE_FIRST, "\n" + words, unusual)
    _lines_with(_CREDENTIAL_LAST, words + "\n", unusual)
    keys = [" ".join(sorted(line.split())) for line in lines]
    for i in unusual:
        keys[i] = name_key(names[i])
    return keys


def email_keys(values: Iterable[str]) -> list[str]:
    """:func:`~app.addresses.normalise_email` of every address.

    Plain ASCII addresses (nearly all) only need stripping and lower-casing, done on
    the joined column; others go one by one.
    """
    values = list(values)
    ascii_only = list(map(str.isascii, values))
    if not all(ascii_only):
        plain = [value for value, simple in zip(values, ascii_only, strict=True) if simple]
        keys = iter(email_keys(plain))
        return [
            next(keys) if simple else normalise_email(value)
            for value, simple in zip(values, ascii_only, strict=True)
        ]
    joined = _joined(values)
    if joined is None:
        return list(map(normalise_email, values))
    keys = list(map(str.strip, joined.lower().split("\n")))
    # IDNA gives a lower-case ASCII domain back as it is (or refuses it, which keeps
    # it as typed), once the trailing dots are gone: only those addresses can change.
    stripped = "\n".join(keys)
    if stripped.endswith(".") or ".\n" in stripped:
        return [normalise_email(key) if key.endswith(".") else key for key in keys]
    return keys


def walk_in_key(name: str, email: str) -> str:
    """Who a walk-in is, for their record's key: their address, else their folded name."""
    return normalise_email(email) or name_key(name) or name.strip().casefold()


def walk_in_keys(names: Iterable[str], emails: Iterable[str]) -> list[str]:
    """:func:`walk_in_key` of every (name, email) pair."""
    names = list(names)
    by_email = email_keys(emails)
    nameless = [i for i, key in enumerate(by_email) if not key]
    by_name = name_keys([names[i] for i in nameless])
    for i, key in zip(nameless, by_name, strict=True):
        by_email[i] = key or names[i].strip().casefold()
    return by_email
