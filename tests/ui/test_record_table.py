"""A record table's sort arrow describes the rows it shows."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from ui.widgets.records import Column, RecordTable, RecordTableModel

AGENTS = [("Bernard", 12), ("Amira", 30), ("Chloe", 5), ("Dev", 21)]


def make_table(qtbot) -> RecordTable:  # type: ignore[no-untyped-def]
    model: RecordTableModel[tuple[str, int]] = RecordTableModel([
        Column("Agent", lambda r: r[0]),
        Column("Calls", lambda r: str(r[1]), right=True, sort_key=lambda r: r[1]),
    ])
    table = RecordTable(model, "Agents")
    model.setParent(table)
    model.set_records(AGENTS)
    table.resize(400, 300)
    qtbot.addWidget(table)
    table.show()
    qtbot.waitExposed(table)
    return table


def shown(table: RecordTable, column: int) -> list[str]:
    return [table.proxy.index(row, column).data() for row in range(table.proxy.rowCount())]


def click_header(qtbot, table: RecordTable, section: int) -> None:  # type: ignore[no-untyped-def]
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))


def drawn_arrow(table: RecordTable, section: int) -> str | None:
    """Which way the arrow painted at the right of a header section points, read from
    its pixels: the widest line of the triangle is its base."""
    header = table.horizontalHeader()
    image = header.grab().toImage()
    right = header.sectionViewportPosition(section) + header.sectionSize(section)
    widths = []
    for y in range(image.height()):
        dark = sum(1 for x in range(right - 24, right - 2)
                   if image.pixelColor(x, y).lightness() < 150)
        widths.append(dark)
    rows = [y for y, width in enumerate(widths) if width]
    if not rows:
        return None
    top, bottom = widths[rows[0]], widths[rows[-1]]
    return "up" if bottom > top else "down" if top > bottom else None


def test_records_show_in_the_order_they_arrive_with_no_arrow(qtbot):
    table = make_table(qtbot)
    assert shown(table, 0) == [name for name, _calls in AGENTS]
    assert table.horizontalHeader().arrow(0) is None
    assert table.horizontalHeader().arrow(1) is None


def test_clicking_a_header_sorts_and_the_arrow_points_the_way_the_rows_run(qtbot):
    table = make_table(qtbot)
    header = table.horizontalHeader()
    calls = lambda: [int(text) for text in shown(table, 1)]  # noqa: E731

    click_header(qtbot, table, 1)
    assert calls()[0] < calls()[-1] and calls() == sorted(calls())
    assert header.arrow(1) == "up" and drawn_arrow(table, 1) == "up"
    assert header.arrow(0) is None

    click_header(qtbot, table, 1)
    assert calls()[0] > calls()[-1] and calls() == sorted(calls(), reverse=True)
    assert header.arrow(1) == "down" and drawn_arrow(table, 1) == "down"

    click_header(qtbot, table, 0)
    names = shown(table, 0)
    assert names[0] == "Amira" and names[-1] == "Dev"
    assert header.arrow(0) == "up" and header.arrow(1) is None


def test_a_table_that_says_how_its_records_are_sorted_shows_that_arrow(qtbot):
    table = make_table(qtbot)
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)       # most calls first
    assert shown(table, 0)[0] == "Amira" and shown(table, 0)[-1] == "Chloe"
    assert table.horizontalHeader().arrow(1) == "down"
    table.source.set_records(list(reversed(AGENTS)))          # read again: still sorted
    assert shown(table, 0)[0] == "Amira"
    assert table.horizontalHeader().arrow(1) == "down"
