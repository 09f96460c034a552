"""End-of-period compliance: surrender oldest eligible vintages first; shortfalls are breaches."""

from __future__ import annotations

import dataclasses

import pytest

from regcoord.errors import ConflictError, DataError
from regcoord.trading import BreachEvent, Instrument, OrderBook, RightType, settle_compliance

C24 = Instrument(RightType.CO2E, 2024)
C25 = Instrument(RightType.CO2E, 2025)
C26 = Instrument(RightType.CO2E, 2026)
W25 = Instrument(RightType.WATER, 2025)


def _book() -> OrderBook:
    book = OrderBook()
    book.issue("A", C24, 10)
    book.issue("A", C25, 20)
    book.issue("A", C26, 50)  # a future vintage: not usable for 2025
    book.issue("B", C25, 8)
    book.issue("B", W25, 1000)
    return book


def test_compliance_surrenders_oldest_first_and_reports_breaches() -> None:
    book = _book()
    res = settle_compliance(book, 2025, {"A": {"co2e": 25}, "B": {RightType.CO2E: 12, "water": 900}})
    # A: 10 of vintage 2024, then 15 of 2025 -> covered
    assert [(s.holder, s.instrument.code, s.units) for s in res.surrendered] == [
        ("A", "co2e:2024", 10),
        ("A", "co2e:2025", 15),
        ("B", "co2e:2025", 8),
        ("B", "water:2025", 900),
    ]
    # B: 8 units for a use of 12 -> shortfall 4
    assert res.breaches == (BreachEvent("B", RightType.CO2E, 2025, 4),)
    assert not res.compliant
    assert res.breaches[0].unit == "tCO2e"
    assert book.retired(C24) == 10 and book.retired(C25) == 23
    assert book.available_rights("A", C26) == 50
    # surrenders are events: the log rebuilds the same state
    assert OrderBook.replay(book.events).state() == book.state()
    assert res.to_frame()["shortfall"].tolist() == [4]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.breaches[0].shortfall = 0  # type: ignore[misc]


def test_future_vintage_does_not_count_and_reserved_units_stay() -> None:
    book = _book()
    book.deposit("X", 1)
    book.submit("A", C25, "sell", 15, 100)  # 15 of A's 20 units of 2025 reserved
    res = settle_compliance(book, 2025, {"A": {"co2e": 30}})
    # usable: 10 (2024) + 5 (2025, unreserved) = 15; 2026 is not eligible -> shortfall 15
    assert sum(s.units for s in res.surrendered) == 15
    assert res.breaches == (BreachEvent("A", RightType.CO2E, 2025, 15),)


def test_holder_without_rights_is_in_breach_for_all_use_and_bad_input_raises() -> None:
    book = _book()
    res = settle_compliance(book, 2025, {"Z": {"energy": 7}, "A": {"co2e": 0}})
    assert res.breaches == (BreachEvent("Z", RightType.ENERGY, 2025, 7),)
    with pytest.raises(DataError, match="verified use"):
        settle_compliance(book, 2025, {"A": {"co2e": -1}})
    with pytest.raises(DataError, match="unknown right type"):
        settle_compliance(book, 2025, {"A": {"sulphur": 1}})
    with pytest.raises(ConflictError):
        book.surrender("A", C25, 10_000, 2025)
