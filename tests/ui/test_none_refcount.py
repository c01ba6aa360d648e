"""PySide6 6.12.0 on Python 3.11 dropped a reference to None whenever a Python data()
returned None, until the interpreter aborted. This fails on such a build."""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt


class _NoneModel(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()):  # noqa: B008
        return 10

    def columnCount(self, parent=QModelIndex()):  # noqa: B008
        return 3

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        return None


def test_returning_none_from_data_keeps_nones_refcount(qapp):
    model = _NoneModel()
    index = model.index(1, 1)
    calls = 2000
    before = sys.getrefcount(None)
    for _ in range(calls):
        index.data(Qt.ItemDataRole.ToolTipRole)
        model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    lost = before - sys.getrefcount(None)
    assert lost < calls // 2, f"None lost {lost} references in {calls} calls"
