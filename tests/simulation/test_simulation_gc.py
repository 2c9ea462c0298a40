"""The simulation's garbage-collector settings hold for the day only and come back after, even on an error."""

from __future__ import annotations

import gc

import pytest

from mobility.simulation.engine import GC_THRESHOLD, few_collections


def test_few_collections_during_the_day_and_the_settings_back_after() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    kept = [object()]
    with few_collections():
        assert gc.get_threshold() == GC_THRESHOLD
        assert gc.get_freeze_count() > frozen  # what existed before the day is not scanned again
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)
    with pytest.raises(RuntimeError), few_collections():
        raise RuntimeError
    assert gc.get_threshold() == before
    assert kept


def test_cycles_made_during_the_day_are_still_collected() -> None:
    class Node:
        other: object = None

    with few_collections():
        a, b = Node(), Node()
        a.other, b.other = b, a
        ids = {id(a), id(b)}
        del a, b
        gc.collect()
        assert not any(id(o) in ids and isinstance(o, Node) for o in gc.get_objects())
