"""Parsing the import file: councils resolved, every problem reported with its line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.domain.importer import parse_import

TODAY = date(2026, 3, 2)
HEADER = "council,member_since,member_until,strategy_url,motion_date,charter_date\n"


def test_the_sample_file_is_valid() -> None:
    text = (Path(__file__).parents[2] / "docs" / "import-sample.csv").read_text("utf-8")
    parsed = parse_import(text, today=TODAY)
    assert parsed.problems == ()
    assert [r.council.code for r in parsed.rows] == [
        "E08000019",
        "E08000035",
        "E08000035",
        "W06000011",
        "local:hebden-royd-town-council",  # as registration codes a council entered by name
    ]
    swansea = parsed.rows[3]
    assert swansea.starts_on == date(2024, 6, 10)  # day first
    assert swansea.ends_on == date(2027, 6, 10)  # three years by default
    assert parsed.rows[4].council.name == "Hebden Royd Town Council"


def test_names_codes_and_alternative_spellings_resolve() -> None:
    text = "council,member_since\ne08000019,2024-01-01\nSheffield City Council,2020-01-01\n"
    text += "  sheffield ,2017-01-01\nAbertawe,2024-01-01\n"
    parsed = parse_import(text, today=TODAY)
    assert parsed.problems == ()
    assert {r.council.code for r in parsed.rows} == {"E08000019", "W06000011"}


def test_every_problem_is_reported_with_its_line_number() -> None:
    text = HEADER + (
        "Sheffield,2024-01-01,,,,\n"  # line 2: fine
        "Atlantis,2024-01-01,,,,\n"  # 3: unknown council
        "Leeds,yesterday,,,,\n"  # 4: bad date
        "Leeds,2024-01-01,2023-01-01,,,\n"  # 5: ends before it starts
        "York,2024-01-01,,javascript:alert(1),,\n"  # 6: not a link
        "Bradford,2024-01-01,,,2030-01-01,\n"  # 7: motion in the future
        "Sheffield,2024-01-01,,,,\n"  # 8: duplicate of line 2
        ",,,,,\n"  # 9: blank: skipped
        "local:,2024-01-01,,,,\n"  # 10: no name
    )
    parsed = parse_import(text, today=TODAY)
    lines = [p.line for p in parsed.problems]
    assert lines == [3, 4, 5, 6, 7, 8, 10]
    messages = [str(p) for p in parsed.problems]
    assert "line 3: unknown council 'Atlantis'" in messages[0] and "local:Atlantis" in messages[0]
    assert "not a date" in messages[1]
    assert "after member_since" in messages[2]
    assert "http(s)" in messages[3]
    assert "in the future" in messages[4]
    assert "duplicate" in messages[5] and "line 2" in messages[5]


def test_missing_and_unknown_columns_are_named() -> None:
    parsed = parse_import("council,since,email\nSheffield,2024-01-01,a@b.c\n", today=TODAY)
    assert not parsed.valid
    text = " ".join(str(p) for p in parsed.problems)
    assert "missing column(s) member_since" in text
    assert "unknown column(s) since, email" in text
    assert not parse_import("council,member_since\n", today=TODAY).valid  # no rows
