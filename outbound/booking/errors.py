"""What goes wrong with a booking, in words an agent can read out or act on."""

from __future__ import annotations


class BookingError(ValueError):
    """A booking request that cannot be met; one clear sentence, nothing changed.

    A ValueError, so the command line prints it as one sentence and exits non-zero.
    """


class PlaceGone(BookingError):
    """Another agent took (or is holding) the last place a moment ago."""

    def __init__(self, message: str = "Sorry, that place has just gone: please offer "
                 "another time.") -> None:
        super().__init__(message)
