"""The fare table: distance bands per adult, companions at a share, a surcharge, all in integer cents."""

from __future__ import annotations

import pytest

from mobility.domain.fares import DEFAULT_FARES, FareBand, FareTable, fare_table_from_mapping


@pytest.mark.parametrize(("metres", "cents"), [(1_000, 200), (5_000, 200), (5_001, 280), (34_000, 460), (80_000, 560)])
def test_bands_by_direct_distance(metres: int, cents: int) -> None:
    """An adult pays the band of the direct driving distance."""
    assert DEFAULT_FARES.adult_fare(metres) == cents


def test_group_price_adds_companions_and_surcharge() -> None:
    """Three riders pay one adult fare, two companions at 50 % and one surcharge."""
    assert DEFAULT_FARES.price(8_000, 3) == 280 + 2 * 140 + 100


def test_table_from_mapping_names_the_bad_field() -> None:
    """A malformed fare table is refused naming the source and the field."""
    good = fare_table_from_mapping({"bands": [{"up_to_km": 3, "cents": 150}], "beyond_cents": 300})
    assert good == FareTable((FareBand(3.0, 150),), 300, 0, 50)
    with pytest.raises(ValueError, match=r"fares.toml: bands\[0\]: 'cents'"):
        fare_table_from_mapping({"bands": [{"up_to_km": 3}], "beyond_cents": 300}, source="fares.toml")
    with pytest.raises(ValueError, match="increasing"):
        FareTable((FareBand(5, 100), FareBand(3, 200)), 300)
