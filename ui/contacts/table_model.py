"""The contacts table: keeps only ids, loads the rows that are shown, a page at a time.

The same shape as Anki's browser model: a million contacts cost a list of ints, and
painting a screenful costs one indexed query.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from outbound.contacts import ContactRow
from outbound.phones import format_for_display

PAGE = 200
CACHED_PAGES = 20
Index = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[tuple[str, Callable[[ContactRow], str]], ...] = (
    ("Name", lambda r: r.name),
    ("Organisation", lambda r: r.organisation or ""),
    ("Phone", lambda r: format_for_display(r.primary_phone) if r.primary_phone
     else "No usable number"),
    ("District", lambda r: r.district or ""),
    ("Postcode", lambda r: r.postcode or ""),
    ("Reference", lambda r: r.external_ref or ""),
    ("Expiry", lambda r: r.expiry_date.strftime("%d/%m/%Y") if r.expiry_date else ""),
    ("Calls", lambda r: "Do not call" if r.do_not_call else ""),
)
ContactIdRole = Qt.ItemDataRole.UserRole + 1


class ContactTableModel(QAbstractTableModel):
    def __init__(self, load_rows: Callable[[list[int]], dict[int, ContactRow]],
                 parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._load_rows = load_rows
        self._ids: list[int] = []
        self._pages: OrderedDict[int, dict[int, ContactRow]] = OrderedDict()

    def set_ids(self, ids: list[int]) -> None:
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self.endResetModel()

    def contact_id(self, row: int) -> int:
        return self._ids[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role == ContactIdRole:
            return self._ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self._row(index.row())
        if row is None:
            return None
        return COLUMNS[index.column()][1](row)

    def _row(self, row: int) -> ContactRow | None:
        page_no = row // PAGE
        page = self._pages.get(page_no)
        if page is None:
            page = self._load_rows(self._ids[page_no * PAGE:(page_no + 1) * PAGE])
            self._pages[page_no] = page
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._ids[row])
