"""Every bundled rule set cites the official document first; mirrors are only where it was read."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from regcoord.rules import Source, available_rule_sets, load_rule_set

# official publishers: the issuing legislature's or ministry's own site, or the journal's
_OFFICIAL = (
    "gov.cn",
    "gesetze-im-internet.de",
    "laws-lois.justice.gc.ca",
    "legislation.gov.au",
    "jnr.ac.cn",
    "europa.eu",  # EUR-Lex and the European Commission (climate.ec.europa.eu)
    "ca.gov",  # California Air Resources Board (ww2.arb.ca.gov)
)
_CHINESE = {
    "china_balanced_transfer",
    "bth_relocation_tax",
    "xinan_river",
    "chishui_river",
    "miyun_reservoir",
}


def _sources(name: str) -> list[Source]:
    rs = load_rule_set(name)
    out = [v.source for p in rs.parameter_names for v in rs.values(p)]
    out += [i.source for i in rs.inputs.values()]
    return out


@pytest.mark.parametrize("name", available_rule_sets())
def test_official_document_first_mirrors_only_as_read_at(name: str) -> None:
    for src in _sources(name):
        assert src.document and src.issuer, (name, src)
        if src.url:
            host = urlparse(src.url).hostname or ""
            assert any(host == d or host.endswith("." + d) for d in _OFFICIAL), (name, src.url)
        if not src.url and not src.issuer.startswith("regcoord"):
            # without the official address, say where the text was read (a modelling choice of
            # regcoord's own, issuer "regcoord", has no publication to point to)
            assert src.read_at or "Act" in src.document, (name, src)
        text = str(src)
        assert text.startswith(src.issuer)
        if src.read_at:
            assert text.endswith(f"read at {src.read_at}")


@pytest.mark.parametrize("name", sorted(_CHINESE))
def test_chinese_rule_sets_name_the_issuing_body_and_date(name: str) -> None:
    for src in _sources(name):
        assert src.date, (name, src)
        assert any(ch >= "\u4e00" for ch in src.issuer), (name, src.issuer)  # the body's Chinese name


def test_mof_documents_carry_their_number() -> None:
    numbers = {s.number for n in ("china_balanced_transfer", "bth_relocation_tax") for s in _sources(n)}
    assert "财预〔2022〕58号" in numbers and "财预〔2015〕92号" in numbers
