"""What a screen is given when it is built: the database, who is signed in, settings.

There is no global application object that deep code reaches for (Anki's ``mw``): the
main window makes one :class:`Services` after sign-in and passes it to each screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ui.settings import Settings

if TYPE_CHECKING:   # the window's frame is shown before the database layer is loaded
    from outbound.db.database import Database
    from ui.app import SchedulerLink


@dataclass(frozen=True, slots=True)
class SignedInUser:
    """The person using this client: an agent, a supervisor or an administrator.

    An administrator can do everything a supervisor can, and also look after users,
    retention and people's rights; ``demo`` marks the demo database's pick-a-name users.
    ``login`` is their own login to a team's database (they signed in with a password,
    may change it, and the client locks when left idle); ``computer_account`` marks the
    one user of a single-user file, who has nobody to hand over to and so no sign-out.
    """

    id: int
    name: str
    role: str
    demo: bool = False
    login: str | None = None
    computer_account: bool = False

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "administrator")

    @property
    def is_administrator(self) -> bool:
        return self.role == "administrator"

    @property
    def has_password(self) -> bool:
        return self.login is not None

    def describe(self) -> str:
        return f"{self.name} ({self.role})"


@dataclass(frozen=True, slots=True)
class Services:
    """Handed to every screen: ``Screen(services, parent)``."""

    db: Database
    user: SignedInUser
    settings: Settings
    scheduler: SchedulerLink | None = None   # the client's scheduled jobs, when running

    def campaigns_changed(self) -> None:
        """A campaign was made, paused, resumed or closed: reschedule its jobs."""
        if self.scheduler is not None:
            self.scheduler.rebuild()
