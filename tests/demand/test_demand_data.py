"""Reading the bundled district data, and errors that name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobility.demand.data import (
    MUNICIPALITIES_FILE,
    DemandDataError,
    default_data_dir,
    read_municipalities,
    read_settlements,
    read_stops,
)


def test_bundled_data_is_complete() -> None:
    """21 municipalities with 186,420 inhabitants (Destatis 2023), 70 settlements, 693 stops."""
    municipalities = read_municipalities(default_data_dir())
    assert len(municipalities) == 21
    assert sum(m.population for m in municipalities) == 186_420
    assert len(read_settlements(default_data_dir())) == 70
    assert len(read_stops(default_data_dir())) == 693


def test_short_name_drops_the_town_suffix() -> None:
    """'Bernburg (Saale), Stadt' is called 'Bernburg (Saale)' in stop names."""
    names = {m.short_name for m in read_municipalities(default_data_dir())}
    assert "Bernburg (Saale)" in names
    assert "Bördeland" in names


def test_bad_number_names_file_and_line(tmp_path: Path) -> None:
    """A non-numeric population is reported with the file and its line number."""
    source = (default_data_dir() / MUNICIPALITIES_FILE).read_text(encoding="utf-8").splitlines()
    source[3] = source[3].replace(",8129,", ",many,")
    (tmp_path / MUNICIPALITIES_FILE).write_text("\n".join(source) + "\n", encoding="utf-8")
    with pytest.raises(DemandDataError, match=r"gemeinden_gv100ad_2023-11-30\.csv, line 4: bad population"):
        read_municipalities(tmp_path)


def test_missing_file_and_column_are_named(tmp_path: Path) -> None:
    """A missing file or column is reported by name."""
    with pytest.raises(DemandDataError, match="file not found"):
        read_settlements(tmp_path)
    (tmp_path / "places_geonames500.csv").write_text("name,lat,lon\nX,51.8,11.7\n", encoding="utf-8")
    with pytest.raises(DemandDataError, match="missing column"):
        read_settlements(tmp_path)
