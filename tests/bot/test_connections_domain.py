"""The pure rules of standing connections: groups, regions, a town council's region."""

from __future__ import annotations

from bot.domain.connections import (
    council_region,
    find_region,
    group_keys,
    principal_region,
)


def test_groups_are_compared_without_case_or_spacing_and_split_on_separators() -> None:
    field = "City of Sanctuary  SHEFFIELD; Sheffield Refugee Forum\nASSIST / Sanctuary Sheffield,"
    assert group_keys(field) == {
        "city of sanctuary sheffield",
        "sheffield refugee forum",
        "assist",
        "sanctuary sheffield",
    }
    assert group_keys("  ,; ") == set()


def test_regions_come_from_the_official_list() -> None:
    assert find_region("yorkshire & the humber") == "Yorkshire and The Humber"
    assert find_region("  SOUTH   west ") == "South West"
    assert find_region("Yorkshire") is None
    assert find_region("Narnia") is None


def test_a_town_council_lies_in_its_principal_councils_region_when_known() -> None:
    assert principal_region("Stroud Town Council") == "South West"
    assert principal_region("Frome Town Council") is None  # no council named after Frome
    assert council_region("local:stroud", "Stroud Town Council", None) == "South West"
    assert council_region("local:x", "Frome Town Council", "South West") == "South West"
    assert council_region("E08000019", "Sheffield City Council", None) == "Yorkshire and The Humber"
