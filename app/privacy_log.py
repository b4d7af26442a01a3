"""Keep private links out of logs: manage links (/r/<token>), survey links
(/s/<token>, /s/edit/<key>), contributors' links (/c/<token>), password links
(/a/<token>) and certificate verification codes (/certificates/<code>) are replaced by a
marker in every access log line."""

import logging
import re

PRIVATE_PATHS = (
    (re.compile(r"/r/[A-Za-z0-9_-]{16,}"), "/r/[redacted]"),
    (re.compile(r"/s/(edit/)?[A-Za-z0-9_-]{16,}"), "/s/[redacted]"),
    (re.compile(r"/a/[A-Za-z0-9_-]{16,}"), "/a/[redacted]"),
    (re.compile(r"/c/[A-Za-z0-9_-]{16,}"), "/c/[redacted]"),
    (re.compile(r"/certificates/[A-Za-z0-9_-]{16,}"), "/certificates/[redacted]"),
    (re.compile(r"/invitations/opt-out/[A-Za-z0-9_-]{16,}"), "/invitations/opt-out/[redacted]"),
    (re.compile(r"([?&]invite=)[A-Za-z0-9_-]{16,}"), r"\1[redacted]"),
)
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    for pattern, marker in PRIVATE_PATHS:
        text = pattern.sub(marker, text)
    return text


def _clean(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactPrivateLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):  # gunicorn's access log passes a mapping
            record.args = {key: _clean(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_clean(value) for value in record.args)
        return True


def install() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactPrivateLinks) for f in logger.filters):
            logger.addFilter(RedactPrivateLinks())
