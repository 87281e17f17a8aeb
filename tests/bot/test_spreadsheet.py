"""Every CSV the bot writes: no cell a spreadsheet would run (bot/domain/spreadsheet.py)."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.spreadsheet import csv_text, safe_cell

RUNS = ("=", "+", "-", "@", "\t", "\r")


def test_a_formula_becomes_text() -> None:
    assert safe_cell('=HYPERLINK("https://evil.example/x","Open")') == (
        '\'=HYPERLINK("https://evil.example/x","Open")'
    )
    for lead in RUNS:
        assert safe_cell(f"{lead}1+1") == f"'{lead}1+1"
    assert safe_cell("Sheffield City Council") == "Sheffield City Council"
    assert safe_cell(None) == "" and safe_cell(42) == "42"


@given(st.lists(st.lists(st.text(), min_size=3, max_size=3), max_size=5))
def test_no_cell_of_a_written_csv_starts_a_formula(rows: list[list[str]]) -> None:
    text = csv_text(("a", "b", "c"), rows)
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read[0] == ["a", "b", "c"]
    assert len(read) == len(rows) + 1
    for written, original in zip(read[1:], rows, strict=True):
        for cell, value in zip(written, original, strict=True):
            assert not cell.startswith(RUNS)
            # Nothing is lost: the text as typed follows the apostrophe.
            assert cell == value or (cell == "'" + value and value.startswith(RUNS))
