"""The public register for the web: `GET /network` (HTML) and `GET /network.json`.

Plain, accessible and mobile-friendly: a language, a viewport, a table with a caption and header
scopes, no script. Every value from the database is escaped.
"""

from __future__ import annotations

import json
from datetime import date
from html import escape

from bot.domain.dates import day
from bot.domain.spreadsheet import csv_text
from bot.services.register import REGISTER_FIELDS, RegisterEntry, as_records

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:60rem;padding:1rem;line-height:1.5;color:#1a1a1a;background:#fff}
table{border-collapse:collapse;width:100%}caption{text-align:left;font-weight:bold;
padding:.5rem 0}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #ccc;
vertical-align:top}a{color:#0b57d0}a:focus{outline:3px solid #ffbf47}
@media (max-width:40rem){thead{position:absolute;left:-9999px}tr{display:block;
border-bottom:2px solid #ccc;padding:.5rem 0}th,td{display:block;border:0;padding:.1rem .5rem}
td[data-label]::before{content:attr(data-label) ": ";font-weight:bold}}
"""


def render_html(entries: list[RegisterEntry], *, today: date) -> str:
    """The register as a complete HTML page."""
    count = len(entries)
    rows = []
    for e in entries:
        strategy = (
            f'<a href="{escape(e.strategy_url, quote=True)}" rel="noopener">'
            f'Strategy<span class="visually-hidden"> of {escape(e.council)}</span></a>'
            if e.strategy_url
            else "Not published"
        )
        rows.append(
            "<tr>"
            f'<th scope="row">{escape(e.council)}</th>'
            f'<td data-label="Member since"><time datetime="{e.since.isoformat()}">'
            f"{escape(day(e.since))}</time></td>"
            f'<td data-label="Until"><time datetime="{e.until.isoformat()}">'
            f"{escape(day(e.until))}</time></td>"
            f'<td data-label="Strategy">{strategy}</td>'
            "</tr>"
        )
    body = (
        "<table>"
        f"<caption>{count} member council{'s' if count != 1 else ''}, "
        "in alphabetical order</caption>"
        "<thead><tr>"
        '<th scope="col">Council</th><th scope="col">Member since</th>'
        '<th scope="col">Until</th><th scope="col">Strategy</th>'
        "</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if entries
        else "<p>The network has no member councils at the moment.</p>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Local Authority Network: member councils | City of Sanctuary UK</title>\n"
        f"<style>{_STYLE}.visually-hidden{{position:absolute;left:-9999px}}</style>\n"
        "</head>\n<body>\n<main>\n"
        "<h1>City of Sanctuary UK: Local Authority Network</h1>\n"
        "<p>Councils that are members of the network today. Membership lasts three years; "
        "each council has a written strategy to be a place of welcome.</p>\n"
        f"{body}\n"
        f'<p>Last updated <time datetime="{today.isoformat()}">{escape(day(today))}</time>. '
        'Also available as <a href="network.json">JSON</a>.</p>\n'
        "</main>\n</body>\n</html>\n"
    )


def render_json(entries: list[RegisterEntry], *, today: date) -> str:
    return json.dumps(
        {"updated": today.isoformat(), "count": len(entries), "members": as_records(entries)},
        ensure_ascii=False,
        indent=2,
    )


def render_csv(entries: list[RegisterEntry]) -> str:
    """The register as CSV; no cell a spreadsheet would run as a formula."""
    records = as_records(entries)
    return csv_text(REGISTER_FIELDS, [[r[name] for name in REGISTER_FIELDS] for r in records])
