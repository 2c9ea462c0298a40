"""Reading a TOML file with one error message for every part that reads one (fares, speeds, fleets, packs …)."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


def read_toml(path: Path, what: str, error: type[Exception] = ValueError) -> dict[str, Any]:
    """The TOML document in ``path``; ``error`` names the file, ``what`` it should be and what went wrong.

    ``"{path}: cannot read the {what} (No such file or directory)"`` or ``"{path}: not valid TOML: {detail}"``.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{path}: cannot read the {what} ({exc.strerror or exc})"
        raise error(msg) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML: {exc}"
        raise error(msg) from None
    except UnicodeDecodeError as exc:  # pragma: no cover - read_text decodes first
        msg = f"{path}: not UTF-8 text ({exc.reason})"
        raise error(msg) from None
