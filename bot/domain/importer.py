"""Reading the organisation's spreadsheet of councils that are already members (pure, no I/O).

Columns (a header row; names in any case; order free):

- `council` (required): GSS code (`E08000019`), official or common name (`Sheffield`), or
  `local:Name` for a town or parish council that is not on the UK list, by its full name with
  its kind (`local:Ashley Parish Council`; `local:Ashley Town Council` is another council);
- `member_since` (required): first day of the term (`2024-05-01` or `01/05/2024`);
- `member_until`: last day of the term; by default three years after `member_since`;
- `strategy_url`: public http(s) link to the council's strategy (shown on the register);
- `motion_date`, `charter_date`: when the motion passed and the charter was signed (kept in the
  audit log).

Contact details are not imported: they arrive with the council's next (renewal) application,
through the registration form, where they are handled as personal data.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from bot.domain import councils
from bot.domain.dates import EARLIEST_DAY, LATEST_DAY
from bot.domain.links import url_problem
from bot.domain.terms import TERM_YEARS, years_later

REQUIRED = ("council", "member_since")
OPTIONAL = ("member_until", "strategy_url", "motion_date", "charter_date")
COLUMNS = REQUIRED + OPTIONAL
LOCAL_PREFIX = councils.LOCAL_PREFIX


@dataclass(frozen=True)
class Authority:
    code: str
    name: str
    authority_type: str | None
    nation: str | None
    region: str | None


@dataclass(frozen=True)
class ImportRow:
    line: int
    council: Authority
    starts_on: date
    ends_on: date
    strategy_url: str | None
    motion_date: date | None
    charter_date: date | None


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Parsed:
    rows: tuple[ImportRow, ...]
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Authorities:
    by_code: dict[str, Authority]
    by_name: dict[str, Authority]

    def resolve(self, value: str) -> Authority | None:
        text = value.strip()
        return self.by_code.get(text.upper()) or self.by_name.get(councils.normalise(text))


def _authority(source: councils.LocalAuthority) -> Authority:
    return Authority(
        code=source.gss,
        name=source.name,
        authority_type=source.authority_type or None,
        nation=source.nation or None,
        region=source.region or None,
    )


@lru_cache(maxsize=1)
def uk_authorities() -> Authorities:
    """The UK's current local authorities (the picker's list), by GSS code and by every spelling.

    Only exact codes and spellings resolve: an import must not guess which council was meant.
    """
    by_code: dict[str, Authority] = {}
    by_name: dict[str, Authority] = {}
    for source in councils.authorities():
        if not source.current or not source.gss:
            continue
        authority = _authority(source)
        by_code[authority.code.upper()] = authority
        for key in source.keys:
            by_name.setdefault(key, authority)
    return Authorities(by_code, by_name)


def local_authority(name: str) -> Authority:
    """A council off the official list (a town or parish council), coded by its full name and
    kind as registration codes it, so that its later application is recognised as the same
    council and "Ashley Town Council" is not taken for "Ashley Parish Council"."""
    return Authority(
        code=councils.local_code(name), name=name, authority_type=None, nation=None, region=None
    )


def parse_date(value: str) -> date:
    """`2024-05-01` or `01/05/2024` (day first, as in British spreadsheets)."""
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date such as 2024-05-01 or 01/05/2024")


def parse_import(text: str, *, today: date, authorities: Authorities | None = None) -> Parsed:
    """Every row checked; `problems` lists each one with its line number (1 = the header)."""
    authorities = authorities or uk_authorities()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    problems: list[Problem] = []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    if missing or unknown:
        if missing:
            problems.append(Problem(1, f"missing column(s) {', '.join(missing)}"))
        if unknown:
            problems.append(
                Problem(
                    1,
                    f"unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}",
                )
            )
        return Parsed((), tuple(problems))
    reader.fieldnames = header
    rows: list[ImportRow] = []
    seen: dict[tuple[str, date], int] = {}
    for record in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in record.items() if k is not None}
        if not any(values.values()):
            continue  # a blank line
        if None in record:
            problems.append(
                Problem(line, "more values than columns (a comma in an unquoted value?)")
            )
            continue
        row_problems: list[str] = []
        council = _council(values["council"], authorities, row_problems)
        starts = _date(values, "member_since", row_problems, required=True)
        ends = _date(values, "member_until", row_problems)
        motion = _date(values, "motion_date", row_problems, not_after=today)
        charter = _date(values, "charter_date", row_problems, not_after=today)
        url = values.get("strategy_url") or None
        if url is not None and (problem := url_problem(url)) is not None:
            row_problems.append(f"strategy_url {url!r} is not a public http(s) link: {problem}")
        if starts is not None and ends is None:
            ends = years_later(starts, TERM_YEARS)
        if starts is not None and ends is not None and ends <= starts:
            row_problems.append("member_until must be after member_since")
        if council is not None and starts is not None:
            key = (council.code, starts)
            if key in seen:
                row_problems.append(
                    f"the same term of {council.name} as line {seen[key]} (a duplicate row)"
                )
            seen.setdefault(key, line)
        if row_problems:
            problems.extend(Problem(line, p) for p in row_problems)
            continue
        assert council is not None and starts is not None and ends is not None
        rows.append(ImportRow(line, council, starts, ends, url, motion, charter))
    if not rows and not problems:
        problems.append(Problem(1, "the file has no rows to import"))
    return Parsed(tuple(rows), tuple(problems))


def _council(value: str, authorities: Authorities, problems: list[str]) -> Authority | None:
    if not value:
        problems.append("council is empty")
        return None
    if value.lower().startswith(LOCAL_PREFIX):
        name = value[len(LOCAL_PREFIX) :].strip()
        if not name:
            problems.append("give the council's name after local:")
            return None
        listed = councils.listed_as(name)
        if listed:
            problems.append(
                f"{name!r} is on the UK list as {' or '.join(a.name for a in listed)}: write its "
                f"GSS code ({listed[0].gss}) or its name without local: (local: is for town and "
                "parish councils not on the list)"
            )
            return None
        return local_authority(name)
    found = authorities.resolve(value)
    if found is None:
        problems.append(
            f"unknown council {value!r}: use its GSS code (such as E08000019) or its official "
            f"name, or write local:{value} for a town or parish council not on the UK list"
        )
    return found


def _date(
    values: dict[str, str],
    column: str,
    problems: list[str],
    *,
    required: bool = False,
    not_after: date | None = None,
) -> date | None:
    raw = values.get(column, "")
    if not raw:
        if required:
            problems.append(f"{column} is empty")
        return None
    try:
        value = parse_date(raw)
    except ValueError as error:
        problems.append(f"{column}: {error}")
        return None
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        problems.append(
            f"{column} {value.isoformat()} is not a date between {EARLIEST_DAY.year} and "
            f"{LATEST_DAY.year}"
        )
        return None
    if not_after is not None and value > not_after:
        problems.append(f"{column} {value.isoformat()} is in the future")
    return value
