"""On a registrar call the slot picker offers register offices only, and no time inside
the service's notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from tests.ui.test_call_screen import press
from tests.ui.test_call_screen_booking import MONDAY, at, clock, open_screen  # noqa: F401

pytestmark = pytest.mark.clock(at(MONDAY, 10, 0))


def test_a_registrar_call_offers_no_clinic_and_nothing_too_soon(qtbot, open_screen) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    screen = open_screen("registrar_birth_booking", "Birth registrations")
    picker = screen.slots
    assert picker is not None
    qtbot.waitUntil(lambda: picker.place_box.count() > 1)
    places = [picker.place_box.itemText(i) for i in range(picker.place_box.count())]
    assert places == ["Any location", "Ashworth Register Office",
                      "Calder Vale Register Office"]
    now = screen.clock()
    first = picker.choices.offers[0]
    # 10:15 to 12:00 today are inside the two hours' notice, and a 30-minute
    # appointment does not fit at 12:15: the first offer is tomorrow at 09:00
    assert first.starts_at == at(MONDAY + timedelta(days=1), 9, 0)
    # the agent picks a register office with the keyboard: still nothing too soon
    picker.place_box.setFocus()
    press(qtbot, picker.place_box, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: picker.location is not None)
    offers = picker.choices.offers
    assert offers and {o.location for o in offers} == {"Ashworth Register Office"}
    assert min(o.starts_at for o in offers) >= now + timedelta(hours=2)
