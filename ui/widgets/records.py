"""A table model over a short list of records (campaigns, imports, agents, ...).

Columns are declared as data: a title and how to show a record in it. Big tables (the
contacts) use their own lazy model; this one is for lists of hundreds, not millions.

A table shows its records in the order they arrive (the engine's order: newest first,
most common first) with no sort arrow until a header is clicked or the screen says how
they are sorted (``sortByColumn``); then it sorts through its proxy, so the arrow always
describes the rows shown: pointing up when the smallest is at the top, down when the
largest is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyleOptionHeader,
    QTableView,
    QWidget,
)

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
RecordRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    right: bool = False                              # numbers line up on the right
    sort_key: Callable[[R], Any] | None = None
    tip: Callable[[R], str] | None = None


class RecordTableModel(QAbstractTableModel, Generic[R]):
    def __init__(self, columns: Sequence[Column[R]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.records: list[R] = []

    def set_records(self, records: Sequence[R]) -> None:
        self.beginResetModel()
        self.records = list(records)
        self.endResetModel()

    def record(self, row: int) -> R:
        return self.records[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.records):
            return None
        record = self.records[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tip(record) if column.tip else column.text(record)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == RecordRole:
            return record
        if role == SortRole:
            return column.sort_key(record) if column.sort_key else column.text(record)
        return None


class SortHeader(QHeaderView):
    """A header whose arrow points up over an ascending column (A at the top, Z at the
    bottom) and down over a descending one, as in the file managers people know. Qt's
    own header draws them the other way round."""

    UP = QStyleOptionHeader.SortIndicator.SortUp
    DOWN = QStyleOptionHeader.SortIndicator.SortDown

    def initStyleOptionForIndex(self, option: QStyleOptionHeader, section: int) -> None:
        super().initStyleOptionForIndex(option, section)
        flipped = {self.DOWN: self.UP, self.UP: self.DOWN}
        option.sortIndicator = flipped.get(option.sortIndicator, option.sortIndicator)

    def arrow(self, section: int) -> str | None:
        """"up", "down" or None: the arrow drawn on a section."""
        option = QStyleOptionHeader()
        self.initStyleOptionForIndex(option, section)
        return {self.UP: "up", self.DOWN: "down"}.get(option.sortIndicator)


class RecordTable(QTableView):
    """A sortable, row-selecting view over a RecordTableModel."""

    def __init__(self, model: RecordTableModel[Any], name: str,
                 parent: QWidget | None = None, *, sortable: bool = True) -> None:
        super().__init__(parent)
        self.source = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SortRole)
        sort_header = SortHeader(Qt.Orientation.Horizontal, self)
        sort_header.setSectionsClickable(True)
        self.setHorizontalHeader(sort_header)
        self.setModel(self.proxy)
        self.setAccessibleName(name)
        # No column is sorted at first: the records show in the order they arrive, and
        # no arrow claims otherwise (Qt would sort the first column descending).
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(sortable)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        self.setTabKeyNavigation(False)

    def current_record(self) -> Any:
        index = self.currentIndex()
        if not index.isValid():
            rows = self.selectionModel().selectedRows()
            if not rows:
                return None
            index = rows[0]
        return index.data(RecordRole)

    def select_row_where(self, test: Callable[[Any], bool]) -> bool:
        """Select the first row whose record passes ``test``; False if none does."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if test(index.data(RecordRole)):
                self.setCurrentIndex(index)
                self.selectRow(row)
                return True
        return False

    def stretch_column(self, column: int) -> None:
        """Let one column take the spare width (and give it back when narrow)."""
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

    def fit_columns(self, widths: Sequence[int]) -> None:
        for column, width in enumerate(widths):
            self.setColumnWidth(column, width)
