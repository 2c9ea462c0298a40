"""Logging failures without personal data: error classes and code locations, never messages or values.

An exception's message may carry what caused it: a database error names the duplicate key (a user name, a phone
number as customer id), a validation error the value. :func:`log_failure` logs the class chain and the traceback's
frames (file, line, function, source line) — enough to find the bug, nothing about the person.
"""

from __future__ import annotations

import logging
import re
import traceback


def error_classes(exc: BaseException) -> str:
    """``OperationalError <- psycopg.OperationalError``: the exception and its causes, by class only."""
    names: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(names) < 6:
        seen.add(id(current))
        cls = type(current)
        names.append(cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}")
        current = current.__cause__ or current.__context__
    return " <- ".join(names)


def frames(exc: BaseException, limit: int = 12) -> str:
    """The innermost ``limit`` frames of ``exc``'s traceback, without its message."""
    stack = traceback.extract_tb(exc.__traceback__)[-limit:]
    return "".join(traceback.format_list(stack)).rstrip()


def log_failure(logger: logging.Logger, what: str, exc: BaseException, *, level: int = logging.ERROR,
                ref: str | None = None) -> None:
    """Log that ``what`` failed with ``exc`` (classes and frames only; ``ref`` is the id the caller was given)."""
    prefix = f"{what} [ref {ref}]" if ref else what
    logger.log(level, "%s: %s\n%s", prefix, error_classes(exc), frames(exc))


#: what must never stand in a log line: argon2 hashes, JWTs, refresh tokens are opaque (not matched), phone numbers
SECRET_PATTERNS = (
    re.compile(r"\$argon2(?:id|i|d)\$[^\s'\"]+"),
    re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    re.compile(r"(?<![\w.:-])(?:\+|00)\d[\d ()/-]{6,}\d(?![\w.:-])|(?<![\w.:-])0\d{2,5}[ /-]?\d{4,9}(?![\w.:-])"),
)


def redact(text: str) -> str:
    """``text`` with hashes, tokens and phone numbers replaced by ``[redacted]``."""
    for pattern in SECRET_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


class RedactingFilter(logging.Filter):
    """A handler filter that redacts the formatted message (and drops the exception text) of every record.

    A second line of defence in ``mobility serve``; the code itself logs no such values (tests/booking/test_logs.py
    scans a run's records without this filter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message += f"\n{error_classes(record.exc_info[1])}\n{frames(record.exc_info[1])}"
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = redact(message), None
        return True
