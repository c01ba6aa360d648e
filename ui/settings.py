"""Every setting the client keeps between runs, declared once with its type and default.

Widgets never write ``QSettings`` keys of their own: they read and write the attributes
of :class:`Settings`, so a key, its type and its default live in one place (the way
Picard's ``options.py`` declares them). Tests pass a ``QSettings`` on a temporary file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T")


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One stored value: its key, its type and what it is before anyone sets it."""

    key: str
    type: type
    default: T
    doc: str = ""

    @overload
    def __get__(self, settings: None, owner: type) -> Setting[T]: ...

    @overload
    def __get__(self, settings: Settings, owner: type) -> T: ...

    def __get__(self, settings: Settings | None, owner: type) -> Setting[T] | T:
        if settings is None:
            return self
        return settings.read(self)

    def __set__(self, settings: Settings, value: T) -> None:
        settings.write(self, value)


class Settings:
    """Typed access to the client's stored settings."""

    window_geometry = Setting("window/geometry", QByteArray, QByteArray(),
                              "size and place of the main window")
    window_state = Setting("window/state", QByteArray, QByteArray(),
                           "tool bars and docks of the main window")
    last_screen = Setting("window/last_screen", str, "", "the screen shown at sign-out")
    last_user = Setting("session/last_user", str, "", "who signed in last on this computer")
    last_campaign = Setting("session/last_campaign", int, 0,
                            "the campaign last chosen on any screen (0: none)")
    export_folder = Setting("export/folder", str, "", "where answers were last exported")
    import_folder = Setting("import/folder", str, "", "where a call list was last chosen")
    dashboard_interval = Setting("dashboard/refresh_seconds", int, 30,
                                 "how often the dashboard refreshes by itself")
    SPLITTER_PREFIX = "splitters/"

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings()

    def read(self, setting: Setting[T]) -> T:
        if not self.store.contains(setting.key):
            return setting.default
        value: Any = self.store.value(setting.key)
        try:
            if setting.type is QByteArray:
                return value if isinstance(value, QByteArray) else QByteArray(value)  # type: ignore[return-value]
            if setting.type is int:
                return int(value)  # type: ignore[return-value]
            if setting.type is bool:
                return (value if isinstance(value, bool)  # type: ignore[return-value]
                        else str(value).lower() in ("true", "1"))
            return setting.type(value)  # type: ignore[no-any-return]
        except (TypeError, ValueError):
            return setting.default  # a hand-edited or damaged file: fall back quietly

    def write(self, setting: Setting[T], value: T) -> None:
        self.store.setValue(setting.key, value)

    def splitter_state(self, name: str) -> QByteArray:
        """The saved sizes of one named splitter (empty when never saved)."""
        value = self.store.value(self.SPLITTER_PREFIX + name)
        return value if isinstance(value, QByteArray) else QByteArray()

    def set_splitter_state(self, name: str, state: QByteArray) -> None:
        self.store.setValue(self.SPLITTER_PREFIX + name, state)

    def sync(self) -> None:
        self.store.sync()


def declared_settings() -> list[Setting[Any]]:
    """Every declared setting, for a settings page or a test."""
    return [v for v in vars(Settings).values() if isinstance(v, Setting)]


def remember_splitter(settings: Settings, splitter: Any, name: str) -> None:
    """Restore a splitter's sizes now and save them whenever the person moves it."""
    state = settings.splitter_state(name)
    if not state.isEmpty():
        splitter.restoreState(state)
    splitter.splitterMoved.connect(
        lambda *_: settings.set_splitter_state(name, splitter.saveState()))
