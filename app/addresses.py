"""Email addresses: the one normalisation used wherever an address is stored or compared.

NFKC rather than NFC: it also folds full-width forms ("ｊｏ＠ｅｘａｍｐｌｅ．ｃａ"), which
phones' Asian keyboards produce and which are the same mailbox. The domain is stored in its
ASCII (IDNA) form, which is what goes into a `To:` header and what SMTP servers accept."""

import functools
import unicodedata

import idna


def normalise_email(address: str) -> str:
    """strip, Unicode normalisation, casefold, and the domain IDNA-encoded. Idempotent; an
    address whose domain IDNA refuses keeps that domain as typed, for the validator to judge."""
    text = unicodedata.normalize("NFKC", address).strip()
    text = unicodedata.normalize("NFC", text.casefold())
    local, at, domain = text.rpartition("@")
    if not at or not domain:
        return text
    encoded = _encoded_domain(domain)
    return text if encoded is None else f"{local}@{encoded}"


@functools.lru_cache(maxsize=4096)
def _encoded_domain(domain: str) -> str | None:
    """IDNA is slow (about 0.1 ms a call) and a list of addresses has few domains; an
    attendance import normalises tens of thousands of addresses at once."""
    try:
        return idna.encode(domain.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None


def needs_smtputf8(address: str) -> bool:
    """True when the mailbox part is not ASCII: only servers offering SMTPUTF8 deliver it."""
    local = address.rpartition("@")[0]
    return not local.isascii()
