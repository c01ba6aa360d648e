"""The QApplication and its one main window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from outbound.db.database import Database


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Outbound")
    app.setOrganizationName("Outbound")
    app.setApplicationDisplayName("Outbound")
    return app


def run_client(db: Database) -> int:
    from ui.main_window import MainWindow

    app = make_application()
    window = MainWindow(db)
    window.show()
    return app.exec()
