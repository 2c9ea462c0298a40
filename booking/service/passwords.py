"""The password rule: at least 10 characters, not one of the commonest passwords, not the user name.

The list (``common_passwords.txt`` beside this module, read once on first use) names its source and licence in
its header.
"""

from __future__ import annotations

import functools
from importlib import resources

from booking.service.errors import ServiceError

MIN_PASSWORD = 10
MAX_PASSWORD = 200


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (lower case)."""
    text = resources.files("booking.service").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why ``password`` is not acceptable (German, for the person choosing it), or ``None``."""
    if len(password) < MIN_PASSWORD:
        return f"Das Passwort braucht mindestens {MIN_PASSWORD} Zeichen."
    if len(password) > MAX_PASSWORD:
        return f"Das Passwort darf höchstens {MAX_PASSWORD} Zeichen haben."
    folded = password.strip().lower()
    if folded in common_passwords() or len(set(folded)) < 3:
        return "Dieses Passwort ist zu verbreitet und leicht zu erraten. Bitte ein anderes wählen."
    if username and username.lower() in folded:
        return "Das Passwort darf den Benutzernamen nicht enthalten."
    return None


def require_good_password(password: str, username: str | None = None) -> None:
    """Raise a 422 ServiceError (field ``password``) when ``password`` breaks the rule."""
    problem = password_problem(password, username)
    if problem is not None:
        raise ServiceError(422, "weak_password", "Passwort ungeeignet", problem, field="password")
