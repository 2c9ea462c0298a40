"""First start of ``mobility serve``: the demo accounts' passwords go to a private file, on screen only on a terminal.

A container's or a service manager's log keeps what is printed; a password printed there is readable by everyone who
may read the log. So the passwords are written to ``<data_dir>/first-run-credentials.txt`` (mode 0600, never over
an existing file) and shown only when standard output is a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from booking.service.accounts import SeededAccount
from booking.service.keys import write_private

CREDENTIALS_FILE = "first-run-credentials.txt"


def credentials_text(accounts: Sequence[SeededAccount]) -> str:
    """The file's text: one line per account (role, name, password, vehicle)."""
    lines = [f"# Erste Anmeldedaten, erzeugt {datetime.now(UTC).isoformat(timespec='seconds')} – nach dem ersten "
             "Anmelden Passwörter ändern und diese Datei löschen."]
    for account in accounts:
        extra = f"  Fahrzeug {account.vehicle_id}" if account.vehicle_id else ""
        lines.append(f"{account.role:<10} {account.username:<24} {account.password}{extra}")
    return "\n".join(lines) + "\n"


def hand_out(accounts: Sequence[SeededAccount], data_dir: Path, *, tty: bool, echo: Callable[[str], None]) -> Path:
    """Write the credentials file (0600) and tell where it is; the passwords themselves only on a terminal."""
    path = data_dir / CREDENTIALS_FILE
    if path.exists():
        path = data_dir / f"first-run-credentials-{datetime.now(UTC):%Y%m%dT%H%M%S}.txt"
    write_private(path, credentials_text(accounts))
    echo(f"\nErste Anmeldedaten ({len(accounts)} Konten) stehen in {path} (nur für Sie lesbar).")
    if tty:
        echo("Nur jetzt auf dem Bildschirm – bitte notieren:")
        for line in credentials_text(accounts).splitlines()[1:]:
            echo("  " + line)
    return path
