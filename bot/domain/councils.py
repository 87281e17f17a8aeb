"""The UK's official list of local authorities, and finding a council in it as people type.

The list ships with the package (`bot/data/uk_local_authorities.csv`, mySociety, MIT). It is
read once and kept as immutable data. Abolished councils point to their successor(s), so that
typing an old name finds the council that exists today.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.domain.escape import truncate

OPTION_TEXT_LIMIT = 75
MAX_OPTIONS = 100
LOCAL_PREFIX = "local:"

# Words that name the kind of body rather than the place; dropped when comparing names.
_SUFFIXES = (
    "metropolitan borough council",
    "county borough council",
    "borough council",
    "district council",
    "county council",
    "city council",
    "town council",
    "parish council",
    "community council",
    "council",
)
_PREFIXES = (
    "the ",
    "city and county of ",
    "city of ",
    "london borough of ",
    "royal borough of ",
    "borough of ",
    "county of ",
)
# The kinds of council below the official list, when written without "council".
_LOCAL_KINDS = frozenset({"town", "parish", "community", "village", "neighbourhood"})
_STOPWORDS = frozenset({"and", "of", "the", "upon", "on", "in"})


@dataclass(frozen=True)
class LocalAuthority:
    """One row of the official list."""

    code: str  # mySociety's three-letter code (replaced-by refers to it)
    gss: str  # ONS GSS code, e.g. E08000019; what the bot stores as Council.code
    name: str  # official name, e.g. "Sheffield City Council"
    nice_name: str
    authority_type: str
    nation: str
    region: str
    current: bool
    end_date: str
    replaced_by: tuple[str, ...]
    keys: tuple[str, ...]  # normalised spellings
    alt_names: tuple[str, ...]  # the spellings people use, as the list writes them
    initials: str


@dataclass(frozen=True)
class Match:
    """A current council found by a search; `via` is the abolished one the words named."""

    authority: LocalAuthority
    via: LocalAuthority | None = None

    @property
    def option_text(self) -> str:
        text = self.authority.name
        if self.via is not None:
            year = self.via.end_date[:4]
            text += f" (formerly {self.via.nice_name}{', until ' + year if year else ''})"
        return truncate(text, OPTION_TEXT_LIMIT)


def normalise(text: str) -> str:
    """Lower case, accents and punctuation gone, `&` as `and`, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ").replace("'", "").replace("’", "")
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


def core(text: str) -> str:
    """`normalise` without "council", "city of", "borough council"... (the place's name)."""
    name = normalise(text)
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if name.startswith(prefix) and len(name) > len(prefix):
                name, changed = name[len(prefix) :], True
        for suffix in _SUFFIXES:
            if name.endswith(" " + suffix):
                name, changed = name[: -len(suffix) - 1], True
    return name


def _initials(text: str) -> str:
    return "".join(w[0] for w in core(text).split() if w not in _STOPWORDS)


def full_name(text: str) -> str:
    """A council's name as its identity: `normalise`d, without a leading "the", and with
    "council" after a kind written without it ("Ashley Parish" is "ashley parish council").

    The kind stays: "Ashley Town Council" and "Ashley Parish Council" are two councils.
    """
    name = normalise(text)
    if name.startswith("the ") and len(name) > 4:
        name = name[4:]
    if name.split(" ")[-1] in _LOCAL_KINDS and " " in name:
        name += " council"
    return name


def local_code(name: str) -> str:
    """The code of a council not on the list (a town or parish council): its full name with
    its kind, so that Ashley Town Council and Ashley Parish Council stay two councils."""
    slug = full_name(name).replace(" ", "-")
    return (LOCAL_PREFIX + slug)[:120]


def listed_as(name: str) -> tuple[LocalAuthority, ...]:
    """The current councils on the official list that `name` names in full, as the list spells
    them ("Sheffield City Council", "Sheffield"; an abolished council's name leads to its
    successors). "Wokingham Town Council" names none: it is not Wokingham Borough Council."""
    return _by_full_name().get(full_name(name), ())


@cache
def authorities() -> tuple[LocalAuthority, ...]:
    """Every row of the list, read once from the package."""
    raw = (
        resources.files("bot").joinpath("data/uk_local_authorities.csv").read_text(encoding="utf-8")
    )
    rows: list[LocalAuthority] = []
    for row in csv.DictReader(io.StringIO(raw)):
        spellings = [row["official-name"], row["nice-name"], *row["alt-names"].split(",")]
        keys: list[str] = []
        for spelling in spellings:
            for key in (normalise(spelling), core(spelling)):
                if key and key not in keys:
                    keys.append(key)
        rows.append(
            LocalAuthority(
                code=row["local-authority-code"],
                gss=row["gss-code"],
                name=row["official-name"],
                nice_name=row["nice-name"],
                authority_type=row["local-authority-type-name"],
                nation=row["nation"],
                region=row["region"],
                current=row["current-authority"] == "True",
                end_date=row["end-date"],
                replaced_by=tuple(c for c in row["replaced-by"].split(",") if c),
                keys=tuple(keys),
                alt_names=tuple(a.strip() for a in row["alt-names"].split(",") if a.strip()),
                initials=_initials(row["nice-name"]),
            )
        )
    return tuple(rows)


@cache
def _by_code() -> dict[str, LocalAuthority]:
    return {a.code: a for a in authorities()}


@cache
def _by_gss() -> dict[str, LocalAuthority]:
    return {a.gss: a for a in authorities() if a.gss and a.current}


@cache
def _by_full_name() -> dict[str, tuple[LocalAuthority, ...]]:
    found: dict[str, list[LocalAuthority]] = {}
    for authority in authorities():
        spellings = {authority.name, authority.nice_name, *authority.alt_names}
        for key in {full_name(s) for s in spellings if s.strip()}:
            targets = found.setdefault(key, [])
            targets += [t for t in successors(authority) if t not in targets]
    return {key: tuple(targets) for key, targets in found.items() if targets}


def by_gss(gss: str) -> LocalAuthority | None:
    """The current council with this GSS code."""
    return _by_gss().get(gss)


def successors(authority: LocalAuthority) -> list[LocalAuthority]:
    """The current council(s) that took over from `authority` (itself if current)."""
    found: list[LocalAuthority] = []
    seen: set[str] = set()
    queue = [authority]
    while queue:
        item = queue.pop(0)
        if item.code in seen:
            continue
        seen.add(item.code)
        if item.current and item.gss:
            found.append(item)
            continue
        queue += [_by_code()[c] for c in item.replaced_by if c in _by_code()]
    return found


def _score(query: str, query_initials: str | None, authority: LocalAuthority) -> int | None:
    """Lower is better; None when the words do not match at all."""
    best: int | None = None
    words = query.split()
    for key in authority.keys:
        if key == query:
            score = 0
        elif key.startswith(query):
            score = 1
        elif all(any(kw.startswith(w) for kw in key.split()) for w in words):
            score = 2
        elif query in key:
            score = 3
        else:
            continue
        best = score if best is None else min(best, score)
    if query_initials and authority.initials == query_initials:
        best = 1 if best is None else min(best, 1)
    return best


def search(text: str, limit: int = MAX_OPTIONS) -> list[Match]:
    """Current councils matching what was typed, best first; abolished ones lead to successors."""
    query = core(text) or normalise(text)
    if not query:
        current = sorted((a for a in authorities() if a.current and a.gss), key=lambda a: a.name)
        return [Match(a) for a in current[:limit]]
    letters = [w for w in normalise(text).split() if w not in _STOPWORDS]
    query_initials = (
        "".join(letters) if len(letters) > 1 and all(len(w) == 1 for w in letters) else None
    )
    if query_initials is None and len(query) <= 4 and " " not in query and query.isalpha():
        query_initials = query if len(query) >= 2 and text.strip().isupper() else None
    scored: dict[str, tuple[int, int, Match]] = {}
    for authority in authorities():
        score = _score(query, query_initials, authority)
        if score is None:
            continue
        via = None if authority.current else authority
        for target in successors(authority):
            # A direct match beats one through an abolished predecessor.
            rank = (score, 1 if via is not None else 0)
            previous = scored.get(target.gss)
            if previous is None or rank < previous[:2]:
                scored[target.gss] = (*rank, Match(target, via))
    ordered = sorted(scored.values(), key=lambda s: (s[0], s[1], s[2].authority.name))
    return [match for _, _, match in ordered[:limit]]
