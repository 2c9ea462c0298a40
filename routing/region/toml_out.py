"""Writing the small TOML files of a pack (fleet, pool cars, manifest) without a third-party writer."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    msg = f"cannot write {value!r} as TOML"
    raise TypeError(msg)


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else json.dumps(key)


def dumps(doc: Mapping[str, Any], header: str = "") -> str:
    """TOML text of ``doc``: scalars first, then tables (``[a]``; a table of tables as ``[a.b]``) and arrays of
    tables (``[[a]]``); mappings below that level are written inline."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    if lines:
        lines.append("")
    lines += [f"{_key(k)} = {_value(v)}" for k, v in doc.items() if not _is_table(v) and not _is_table_array(v)]
    for key, value in doc.items():
        if _is_table(value) and value and all(isinstance(v, Mapping) for v in value.values()):
            for sub, table in value.items():
                lines += ["", f"[{_key(key)}.{_key(sub)}]", *(f"{_key(k)} = {_value(v)}" for k, v in table.items())]
        elif _is_table(value):
            lines += ["", f"[{_key(key)}]", *(f"{_key(k)} = {_value(v)}" for k, v in value.items())]
        elif _is_table_array(value):
            for item in value:
                lines += ["", f"[[{_key(key)}]]", *(f"{_key(k)} = {_value(v)}" for k, v in item.items())]
    return "\n".join(lines) + "\n"


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)
