"""Capture every log record of a stretch of work (root logger, DEBUG) and find secrets and personal data in them.

What counts as a finding: an argon2 hash, a JWT, a phone number (generic pattern, plus the exact numbers a test
used), and any literal the test names (persons' names, refresh tokens, passwords). Records are formatted as a real
handler prints them, traceback included.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

PATTERNS = {
    "argon2 hash": re.compile(r"\$argon2(?:id|i|d)\$"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\."),
    "phone number": re.compile(r"(?<![\w.:-])(?:\+|00)49[\d ()/-]{6,}\d"
                               r"|(?<![\w.:/-])0[1-9]\d{1,4}[ /-]\d{4,9}(?![\w])"),
}
FORMAT = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(FORMAT.format(record))
        except Exception:  # a record that cannot be formatted is itself worth seeing
            self.lines.append(f"UNFORMATTABLE {record.name} {record.msg!r}")


@dataclass
class Capture:
    """The formatted records of a :func:`capture_logs` block."""

    lines: list[str] = field(default_factory=list)

    def findings(self, literals: Iterable[str] = ()) -> list[str]:
        """``what: line`` for every line with a secret, a phone number or one of ``literals``."""
        out: list[str] = []
        wanted = [s for s in literals if s]
        for line in self.lines:
            for what, pattern in PATTERNS.items():
                if pattern.search(line):
                    out.append(f"{what}: {line[:300]}")
            out += [f"literal {s[:12]!r}…: {line[:300]}" for s in wanted if s in line]
        return out


@contextmanager
def capture_logs(*, sql: bool = True) -> Iterator[Capture]:
    """Collect every record (DEBUG and up; with ``sql`` SQLAlchemy's statement and result logging too)."""
    root = logging.getLogger()
    handler = _Collect()
    loggers = [logging.getLogger(n) for n in ("sqlalchemy.engine", "sqlalchemy.pool")] if sql else []
    saved = [(root, root.level)] + [(lg, lg.level) for lg in loggers]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    capture = Capture()
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        for lg, level in saved:
            lg.setLevel(level)
        capture.lines = handler.lines
