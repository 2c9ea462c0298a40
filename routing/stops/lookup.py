"""Finding a stop by id or name, with suggestions when the input matches none or several."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence

from mobility.domain.stops import Stop
from routing.network.errors import UnknownStop


def _norm(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.replace(",", " ").split())


def find_stop(stops: Sequence[Stop], query: str) -> Stop:
    """The stop whose id or name is ``query`` (case and spacing ignored), or a unique partial match.

    Raises :class:`UnknownStop` naming the input and suggesting close names, or listing the
    candidates when the input is ambiguous.
    """
    text = query.strip()
    if not text:
        msg = "empty stop name: give a stop name or id"
        raise UnknownStop(msg)
    for stop in stops:
        if stop.id == text:
            return stop
    key = _norm(text)
    exact = [s for s in stops if _norm(s.name) == key]
    partial = exact or [s for s in stops if key in _norm(s.name)]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        names = "; ".join(f"{s.name} [{s.id}]" for s in partial[:8])
        more = f" and {len(partial) - 8} more" if len(partial) > 8 else ""
        msg = f"stop {query!r} is ambiguous: {names}{more} — give the full name or the id"
        raise UnknownStop(msg)
    all_names = [s.name for s in stops]
    close = difflib.get_close_matches(text, all_names, n=5, cutoff=0.5)
    hint = f"; did you mean: {'; '.join(repr(c) for c in close)}?" if close else ""
    msg = f"unknown stop {query!r}: no stop of the network has this name or id{hint}"
    raise UnknownStop(msg)
