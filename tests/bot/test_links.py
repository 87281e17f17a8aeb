"""The one rule for web addresses (bot/domain/links.py): public http(s) names only."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.links import is_public_url, url_problem

ACCEPTED = (
    "https://www.sheffield.gov.uk/sanctuary",
    "http://democracy.leeds.gov.uk/mgIssueHistoryHome.aspx?IId=123&Opt=0",
    "https://www.example.gov.uk:8443/strategy#part-2",
    "https://www.sheffield.gov.uk/@council/minutes",  # an @ in the path is not user information
    "https://1.2.3.example.org/x",  # digits in a label, a name at the end
    "https://xn--caf-dma.example/",  # an internationalised name
    "https://café.example/menu",
    "HTTPS://WWW.SHEFFIELD.GOV.UK/",
)

REFUSED = {
    "https://www.sheffield.gov.uk@evil.example/minutes": "before @",
    "https://user:secret@www.sheffield.gov.uk/": "before @",
    "https://:@www.sheffield.gov.uk/": "before @",
    "http://10.0.0.5/admin": "IP",
    "http://127.0.0.1/": "IP",
    "http://[::1]/": "IP",
    "http://[2001:db8::1]:8080/": "IP",
    "http://2130706433/": "IP",  # 127.0.0.1 as one decimal number
    "http://0x7f000001/": "IP",  # ... as hex
    "http://0x7f.1/": "IP",
    "http://0177.0.0.1/": "IP",  # ... as octal
    "http://１０.０.０.５/": "IP",  # full-width digits, read as 10.0.0.5 by browsers
    "https://www.sheffield.gov.uk\\@evil.example/": "backslash",
    "https:\\\\evil.example": "backslash",
    "https://evil.example\\minutes": "backslash",
    "http://localhost/": "public site name",
    "http://intranet/": "public site name",
    "https://printer.local/": "public site name",
    "https://-bad-.example.org/": "public site name",
    "https://exa mple.org/": "spaces",
    "https://example.org/<script>": "spaces",
    "javascript:alert(1)": "https://",
    "ftp://example.org/file": "https://",
    "//example.org/x": "https://",
    "https:/example.org": "https://",
    "https://": "site's name",
    "https://example.org:99999/": "https://",
    "https://example.org:port/": "https://",
}


@pytest.mark.parametrize("url", ACCEPTED)
def test_public_addresses_are_accepted(url: str) -> None:
    assert url_problem(url) is None
    assert is_public_url(url)


@pytest.mark.parametrize(("url", "said"), REFUSED.items())
def test_what_cannot_be_trusted_is_refused_with_a_reason(url: str, said: str) -> None:
    problem = url_problem(url)
    assert problem is not None and said in problem, (url, problem)
    assert not is_public_url(url)


def test_nothing_is_not_a_link() -> None:
    assert not is_public_url(None) and not is_public_url("")


@given(st.ip_addresses())
def test_no_ip_address_is_accepted_as_a_host(address: ipaddress.IPv4Address) -> None:
    host = f"[{address}]" if address.version == 6 else str(address)
    assert not is_public_url(f"https://{host}/x")


@given(st.integers(min_value=0, max_value=2**32 - 1), st.sampled_from(["{}", "0x{:x}", "0{:o}"]))
def test_no_number_a_browser_reads_as_an_address_is_accepted(value: int, shape: str) -> None:
    assert not is_public_url(f"http://{shape.format(value)}/")
    assert not is_public_url(f"http://www.{shape.format(value)}/")


@given(st.text(), st.text())
def test_an_accepted_address_has_no_user_information_or_backslash(host: str, rest: str) -> None:
    url = f"https://{host}/{rest}"
    if is_public_url(url):
        assert "\\" not in url
        netloc = url[len("https://") :].split("/", 1)[0]
        assert "@" not in netloc
