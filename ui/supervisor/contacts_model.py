"""The contacts table on a million rows: the id list itself is loaded a block at a time.

The table model (``ui.contacts.table_model``) keeps ids and loads the rows shown; here
the ids are a sequence that knows its length from one count and fetches a block of
ids from the database only when rows in that block are first shown. Opening the table
costs a count and one block, whatever the number of contacts.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import overload

from PySide6.QtCore import QModelIndex, Qt

from ui.contacts.table_model import ContactTableModel

BLOCK = 1000
CACHED_BLOCKS = 50
MISSING = -1  # a row whose contact left the list after it was counted


class ContactIdWindow(Sequence[int]):
    """``total`` ids in table order, fetched ``BLOCK`` at a time by ``load_block``."""

    def __init__(self, total: int, first_block: list[int],
                 load_block: Callable[[int, int], list[int]]) -> None:
        self.total = total
        self._load_block = load_block
        self._blocks: OrderedDict[int, list[int]] = OrderedDict()
        if first_block:
            self._blocks[0] = first_block

    def __len__(self) -> int:
        return self.total

    def _block(self, number: int) -> list[int]:
        block = self._blocks.get(number)
        if block is None:
            block = self._load_block(number * BLOCK, BLOCK)
            self._blocks[number] = block
            while len(self._blocks) > CACHED_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(number)
        return block

    @overload
    def __getitem__(self, key: int) -> int: ...

    @overload
    def __getitem__(self, key: slice) -> list[int]: ...

    def __getitem__(self, key: int | slice) -> int | list[int]:
        if isinstance(key, slice):
            return [self[i] for i in range(*key.indices(self.total))]
        if key < 0:
            key += self.total
        if not 0 <= key < self.total:
            raise IndexError(key)
        block = self._block(key // BLOCK)
        offset = key % BLOCK
        return block[offset] if offset < len(block) else MISSING

    def loaded_ids(self) -> list[int]:
        return [i for block in self._blocks.values() for i in block]


class ContactListModel(ContactTableModel):
    """The lazy contacts model, able to show a changed contact again."""

    def show_ids(self, ids: Sequence[int]) -> None:
        self.set_ids(ids)  # type: ignore[arg-type]

    def forget_rows(self) -> None:
        """Drop cached rows (after a contact changed) and repaint what is shown."""
        self._pages.clear()
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:  # type: ignore[override]
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
