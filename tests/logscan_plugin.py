"""A pytest plugin that scans every log record of a whole test run for secrets and personal data.

Use: ``pytest -p tests.logscan_plugin …``. Every record (root logger at DEBUG) is formatted with its traceback and
checked against the patterns of :mod:`tests.booking.logscan` (argon2 hashes, JWTs, phone numbers); at the end the
run prints how many records it scanned and fails when one matched (the first lines go to the terminal report).
"""

from __future__ import annotations

import logging

import pytest

from tests.booking.logscan import FORMAT, PATTERNS


class _Scanner(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records = 0
        self.findings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        try:
            line = FORMAT.format(record)
        except Exception:  # an unformattable record: scan its raw message
            line = str(record.msg)
        for what, pattern in PATTERNS.items():
            if pattern.search(line) and len(self.findings) < 1000:
                self.findings.append(f"{what}: {line[:300]}")


_SCANNER = _Scanner()


def pytest_configure(config: pytest.Config) -> None:
    root = logging.getLogger()
    root.addHandler(_SCANNER)
    root.setLevel(logging.DEBUG)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(f"log scan: {_SCANNER.records} records, {len(_SCANNER.findings)} findings")
    for line in _SCANNER.findings[:20]:
        terminalreporter.write_line("  " + line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SCANNER.findings and exitstatus == 0:
        session.exitstatus = 1
