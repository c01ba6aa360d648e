"""Render each main screen on the demo database to docs/screenshots/<screen>.png.

    QT_QPA_PLATFORM=offscreen python tools/screenshots.py [--out docs/screenshots] [--dark]

Builds the demo county in a temporary folder (a week of the care tracker, today's
round worked until 14:30), signs in as the demo supervisor and grabs every screen,
the sign-in list, the import wizard, the export dialog and the agent's call screen
(waiting, on a care tracker call with its call-backs and correction dialog, and on a
registrar booking call).
``--dark`` draws them with a dark palette, as on a desktop in dark mode (<name>_dark.png).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZE = (1366, 800)
SAMPLE_LIST = """Home name,Tel No,Post code,Area,Manager,Website
Oak House,0161 496 0001,PN1 1AB,Ashworth,Ann Lee,http://oak.example
Beech Lodge,1614960002,PN1 2AB,Ashworth,Bob Roe,http://beech.example
Elm Court,NA,PN2 1AB,Dunmoor,Cy Dee,http://elm.example
Oak House,0161 496 0001,PN1 1AB,Ashworth,Ann Lee,http://oak.example
Ash Grange,0161 496 0005,PN3 1AB,Fellside,Di Eve,http://ash.example
Rowan View,0161 4960007 ext 12,PN4 1AB,Greywell,Ed Fox,http://rowan.example
"""


def dark_palette(app: object) -> None:
    """A dark palette, as a desktop in dark mode gives (offscreen Qt has none)."""
    from PySide6.QtGui import QColor, QPalette

    from ui import theme

    palette = QPalette()
    role = QPalette.ColorRole
    for name, colour in (("Window", "#2b2d30"), ("WindowText", "#e6e6e6"),
                         ("Base", "#1f2023"), ("AlternateBase", "#27292c"),
                         ("Text", "#e6e6e6"), ("Button", "#35373b"),
                         ("ButtonText", "#e6e6e6"), ("Highlight", "#3d7fd1"),
                         ("HighlightedText", "#ffffff"), ("Mid", "#55585e"),
                         ("PlaceholderText", "#9a9ea6"), ("ToolTipBase", "#35373b"),
                         ("ToolTipText", "#e6e6e6"), ("Light", "#45484d"),
                         ("Dark", "#1a1b1d"), ("Midlight", "#3a3c40")):
        palette.setColor(getattr(role, name), QColor(colour))
    app.setPalette(palette)  # type: ignore[attr-defined]
    theme.restyle(app)  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--dark", action="store_true", help="as with a dark colour scheme")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from outbound.clock import LONDON, london_day, utcnow
    from outbound.db import open_database
    from outbound.demo import build_demo
    from outbound.demo_campaigns import SUPERVISORS, build_demo_campaigns
    from outbound.users import list_users
    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.operations import Operations
    from ui.services import Services, SignedInUser
    from ui.settings import Settings

    app = make_application()
    if args.dark:
        dark_palette(app)
    Operations.synchronous = True  # every screen has its figures before it is grabbed
    folder = Path(tempfile.mkdtemp(prefix="outbound-screens-"))
    now = datetime.combine(london_day(utcnow()), time(14, 30), tzinfo=LONDON)
    db = open_database(str(folder / "demo.db"))
    print("building the demo county…", flush=True)
    build_demo(db)
    build_demo_campaigns(db, now=now)
    people = {u.name: u for u in list_users(db)}
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))

    def user(name: str) -> SignedInUser:
        found = people[name]
        return SignedInUser(found.id, found.name, found.role)

    def grab(widget: QWidget, name: str, prepare: Callable[[], None] | None = None) -> None:
        widget.resize(*SIZE) if isinstance(widget, MainWindow) else None
        widget.show()
        if prepare is not None:
            prepare()
        app.processEvents()
        path = args.out / f"{name}{'_dark' if args.dark else ''}.png"
        widget.grab().save(str(path))
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")

    from ui.signin import SignInDialog

    signin = SignInDialog(db, settings)
    signin.resize(440, 420)
    grab(signin, "signin")
    signin.close()

    supervisor = Services(db, user(SUPERVISORS[0]), settings)
    window = MainWindow(supervisor)
    window.resize(*SIZE)
    for key in window.screen_keys():
        screen = window.show_screen(key)
        if key == "dashboard" and screen is not None:
            screen.clock = lambda: now
            screen.refresh()
        if key == "contacts" and screen is not None:
            screen.table.selectRow(3)
        grab(window, key)

    imports = window.show_screen("import")
    sample = folder / "care_homes_sample.csv"
    sample.write_text(SAMPLE_LIST, encoding="utf-8")
    imports.open_wizard()
    wizard = imports.wizard
    wizard.choose_page.path.setText(str(sample))
    wizard.choose_page.source.setText("Care homes sample")
    wizard.next()
    wizard.mapping_page.choose("Manager", "role")
    wizard.mapping_page.choose("Website", "-")
    grab(wizard, "import_mapping")
    wizard.next()
    grab(wizard, "import_check")
    wizard.reject()

    from ui.supervisor.export_dialog import ExportDialog

    export = ExportDialog(supervisor, window)
    grab(export, "export")
    export.close()

    campaigns = window.show_screen("campaigns")
    campaigns.new_campaign()
    grab(campaigns.campaign_dialog, "campaign_new")
    campaigns.campaign_dialog.reject()
    window.close()

    agent = MainWindow(Services(db, user("Sam Patel"), settings))
    grab(agent, "calls_agent")
    calls = agent.show_screen("calls")
    calls.clock = lambda: now          # within calling hours, whatever the time now
    calls.select_campaign(next(c.name for c in calls.campaigns if c.template.kind == "round"))
    grab(agent, "call_screen", prepare=calls.next_call)
    grab(agent, "call_screen_callbacks", prepare=calls.toggle_callbacks)
    calls.callbacks.hide()
    from ui.agent.correct_details import open_correct_details

    correcting = open_correct_details(calls)
    if correcting is not None:
        grab(correcting, "correct_details")
        correcting.reject()
    calls.put_back()
    registrar = next(c.name for c in calls.campaigns if c.template.booking)
    calls.select_campaign(registrar)
    weekday = london_day(now)             # the register office opens on weekdays
    while weekday.weekday() >= 5:
        weekday += timedelta(days=1)
    calls.clock = lambda: datetime.combine(weekday, time(10, 30), tzinfo=LONDON)
    grab(agent, "call_screen_booking", prepare=calls.next_call)
    calls.put_back()
    agent.close()
    db.close()
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
