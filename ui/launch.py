"""Starting the client: check Qt can run here, open the database (or, for a team,
sign in first), show the window.

A bare machine can lack the system libraries Qt loads at start-up; then this says which
Debian/Ubuntu packages to install, instead of Qt's plugin crash.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import sys
from collections.abc import Callable

# Library -> (its file name on Debian/Ubuntu, the package that provides it).
QT_SYSTEM_LIBRARIES: dict[str, tuple[str, str]] = {
    "EGL": ("libEGL.so.1", "libegl1"),
    "GL": ("libGL.so.1", "libgl1"),
    "fontconfig": ("libfontconfig.so.1", "libfontconfig1"),
    "xkbcommon": ("libxkbcommon.so.0", "libxkbcommon0"),
    "glib-2.0": ("libglib-2.0.so.0", "libglib2.0-0"),
    "dbus-1": ("libdbus-1.so.3", "libdbus-1-3"),
}
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "xcb-cursor": ("libxcb-cursor.so.0", "libxcb-cursor0"),
    "xkbcommon-x11": ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    "xcb-icccm": ("libxcb-icccm.so.4", "libxcb-icccm4"),
    "xcb-keysyms": ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    "xcb-shape": ("libxcb-shape.so.0", "libxcb-shape0"),
}


def _loadable(name: str, file_name: str) -> bool:
    """Whether the library loads. Its usual file name is tried first, as the dynamic
    loader finds it, at no cost (Qt loads these libraries anyway); only a library not
    found so is looked for by ``find_library``, which runs ``ldconfig`` each time."""
    try:
        ctypes.CDLL(file_name)
    except OSError:
        return ctypes.util.find_library(name) is not None
    return True


def missing_system_packages(platform: str | None = None,
                            loadable: Callable[[str, str], bool] = _loadable) -> list[str]:
    """Debian packages whose libraries Qt needs and this machine lacks."""
    needed = dict(QT_SYSTEM_LIBRARIES)
    if (platform or os.environ.get("QT_QPA_PLATFORM", "xcb")).startswith("xcb") \
            and sys.platform.startswith("linux"):
        needed.update(XCB_LIBRARIES)
    return sorted({package for name, (file_name, package) in needed.items()
                   if not loadable(name, file_name)})


def check_qt_can_start() -> str | None:
    """None when Qt can start; otherwise one clear message naming what to install."""
    if sys.platform.startswith("linux"):
        platform = os.environ.get("QT_QPA_PLATFORM")
        if platform is None and not os.environ.get("DISPLAY") \
                and not os.environ.get("WAYLAND_DISPLAY"):
            return ("There is no screen to show the window on (no DISPLAY). Run it on a "
                    "desktop, or set QT_QPA_PLATFORM=offscreen for a test.")
        missing = missing_system_packages(platform)
        if missing:
            return ("Qt needs system libraries that are not installed. Install them with: "
                    f"sudo apt-get install {' '.join(missing)}")
    try:
        import PySide6.QtWidgets  # noqa: F401
    except ImportError as exc:
        return f"Qt could not be loaded ({exc}). See the README's list of system packages."
    return None


def show_start_error(message: str) -> None:
    """Say why the client cannot start in a window too: started from a desktop icon,
    nobody sees the terminal."""
    if os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen"):
        return
    from PySide6.QtWidgets import QMessageBox

    from ui.app import make_application

    make_application()
    QMessageBox.critical(None, "Outbound cannot start", message)


def launch(args: argparse.Namespace) -> int:
    """The demo (pick a name), a team's database (sign in first: nothing is opened
    before), or a single-user file (the computer's account, no sign-in: its window shows
    first, and the file is opened behind it)."""
    problem = check_qt_can_start()
    if problem:
        print(f"Error: {problem}", file=sys.stderr)
        return 1
    from ui.app import DEMO, SINGLE_USER, TEAM, run_client

    if not args.demo:
        from outbound.site_settings import (
            SiteSettingsError,
            database_address,
            is_server_address,
        )

        try:
            address = database_address(args.db)
        except SiteSettingsError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            show_start_error(str(exc))
            return 1
        kind = TEAM if is_server_address(address) else SINGLE_USER
        return run_client(None, kind=kind, url=args.db)
    from outbound.cli import user_errors
    from outbound.cli.demo_cmd import open_demo_database

    try:
        db = open_demo_database(args.db)
    except user_errors() as exc:
        print(f"Error: {exc}", file=sys.stderr)
        show_start_error(str(exc))
        return 1
    try:
        return run_client(db, kind=DEMO)
    finally:
        db.close()
