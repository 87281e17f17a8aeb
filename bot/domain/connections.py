"""Standing connections (DESIGN.md section 4, "Conflict of interest"): what a person may be
connected to, and how an application is matched against it. Pure: the official list of councils
(bot/domain/councils.py) supplies the regions.

A connection is to a council (by its code), to a region (from the official list), or to a local
group (by the name applications give in their "Group(s)" field, compared case- and
space-insensitively).
"""

from __future__ import annotations

import re
from functools import cache

from bot.domain import councils

# The separators people use between several groups in the "Group(s)" field.
_GROUP_SEPARATORS = re.compile(r"[,;\n/]+")


def group_key(name: str) -> str:
    """A group's name as compared: case and spacing do not matter."""
    return " ".join(name.casefold().split())


def group_keys(field: str) -> set[str]:
    """The groups an application's "Group(s)" field names, as compared."""
    return {key for part in _GROUP_SEPARATORS.split(field) if (key := group_key(part))}


def region_key(name: str) -> str:
    """A region's name as compared ("yorkshire & the humber" is "Yorkshire and The Humber")."""
    return councils.normalise(name)


@cache
def official_regions() -> dict[str, str]:
    """The regions on the official list of councils: compared key -> name as written there."""
    found: dict[str, str] = {}
    for authority in councils.authorities():
        if authority.current and authority.region:
            found.setdefault(region_key(authority.region), authority.region)
    return dict(sorted(found.items(), key=lambda item: item[1]))


def find_region(text: str) -> str | None:
    """The official region named by `text` (any case, `&` for "and"), or None."""
    return official_regions().get(region_key(text))


def principal_region(local_name: str) -> str | None:
    """The region of a town or parish council not on the list, when its principal council is
    known: the one current council on the list named after the same place ("Stroud Town
    Council" lies in Stroud District). None when no such council, or more than one, exists."""
    place = councils.core(local_name)
    if not place:
        return None
    regions = {
        a.region
        for a in councils.authorities()
        if a.current and a.gss and a.region and councils.core(a.nice_name) == place
    }
    return regions.pop() if len(regions) == 1 else None


def council_region(code: str, name: str, stored_region: str | None) -> str | None:
    """The region an applying council lies in: its own, or its principal council's."""
    if stored_region:
        return stored_region
    if code.startswith(councils.LOCAL_PREFIX):
        return principal_region(name)
    authority = councils.by_gss(code)
    return authority.region if authority is not None and authority.region else None
