"""Finding a council in the official list as people type it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.councils import (
    OPTION_TEXT_LIMIT,
    authorities,
    listed_as,
    local_code,
    normalise,
    search,
)


def first(text: str) -> str:
    return search(text)[0].authority.name


def test_the_list_has_the_current_councils() -> None:
    assert sum(1 for a in authorities() if a.current) == 397


def test_brighton_by_every_usual_spelling() -> None:
    for typed in (
        "brighton",
        "B&H",
        "Brighton and Hove",
        "brighton & hove city council",
        "BRIGHTON",
    ):
        assert first(typed) == "Brighton and Hove City Council", typed


def test_exact_and_prefix_matches_rank_first() -> None:
    assert first("sheff") == "Sheffield City Council"
    assert first("City of Edinburgh") == "City of Edinburgh Council"
    assert first("Leeds City Council") == "Leeds City Council"


def test_abolished_councils_lead_to_their_successor() -> None:
    [match] = search("Allerdale")
    assert match.authority.name == "Cumberland Council"
    assert match.via is not None and match.via.nice_name == "Allerdale"
    assert "formerly Allerdale" in match.option_text
    # Split between two successors: both offered.
    assert {m.authority.name for m in search("Cumbria County")} >= {
        "Cumberland Council",
        "Westmorland and Furness Council",
    }


def test_nothing_found_for_nonsense() -> None:
    assert search("zzqxv") == []


def test_a_parish_council_gets_a_local_code_from_its_full_name_and_kind() -> None:
    assert local_code("Frome Town Council") == "local:frome-town-council"
    assert local_code("  frome town council ") == local_code("Frome Town Council")
    assert local_code("The Frome Town Council") == local_code("Frome Town Council")
    assert local_code("Ashley Parish") == local_code("Ashley Parish Council")
    assert local_code("Ashley Town Council") != local_code("Ashley Parish Council")
    assert search("Frome Town Council") == []  # not on the list: typed by name instead


def test_a_council_on_the_list_is_recognised_by_its_full_name_with_its_kind() -> None:
    assert [a.gss for a in listed_as("Sheffield City Council")] == ["E08000019"]
    assert [a.gss for a in listed_as("  the sheffield city council ")] == ["E08000019"]
    assert [a.gss for a in listed_as("Sheffield")] == ["E08000019"]
    assert listed_as("Wokingham Town Council") == ()  # not Wokingham Borough Council
    assert listed_as("Sheffield Town Council") == ()
    assert listed_as("Ashley Parish Council") == ()
    # An abolished council's name leads to the council that exists today.
    assert [a.name for a in listed_as("Allerdale Borough Council")] == ["Cumberland Council"]


@given(st.text(max_size=200))
def test_any_typing_gives_valid_options(typed: str) -> None:
    matches = search(typed)
    assert len(matches) <= 100
    for match in matches:
        assert len(match.option_text) <= OPTION_TEXT_LIMIT
        assert 0 < len(match.authority.gss) <= 150
        assert match.authority.current


_PLACE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz -'", min_size=1, max_size=30).filter(
    lambda s: any(c.isalpha() for c in s) and not normalise(s).startswith("the")
)


@given(_PLACE, st.sampled_from(["Town", "Parish", "Community", "Village"]))
def test_a_local_council_is_its_full_name_and_kind_however_it_is_written(
    place: str, kind: str
) -> None:
    name = f"{place} {kind} Council"
    assert local_code(name) == local_code(f"  THE {name.upper()} ")
    assert local_code(name) == local_code(f"{place} {kind}")
    others = {"Town", "Parish", "Community", "Village"} - {kind}
    assert all(local_code(name) != local_code(f"{place} {o} Council") for o in others)


def test_every_council_on_the_list_is_recognised_by_its_official_name() -> None:
    current = [a for a in authorities() if a.current and a.gss]
    assert len(current) > 300
    for authority in current:
        assert authority in listed_as(authority.name), authority.name
        assert authority in listed_as(f"  {authority.name.upper()} "), authority.name
