"""Every CSV the bot writes goes through here, so that no cell runs as a formula.

A spreadsheet (Excel, LibreOffice, Google Sheets) treats a cell starting with `=`, `+`, `-` or
`@` as a formula, and some read a leading tab or carriage return past to one. A council named
`=HYPERLINK("https://evil.example/x","Open")` would be a live link in the register or the audit
log. Such a cell is written with a leading apostrophe (OWASP's advice): the spreadsheet shows the
text as typed, and nothing runs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

_RUNS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell's text, with a leading `'` when a spreadsheet would otherwise run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_RUNS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (header first; RFC 4180 line ends, so that a line break inside a cell is
    quoted and stays in its cell) with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return out.getvalue()
