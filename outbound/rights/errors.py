"""The one error the rights module raises: a sentence a supervisor can act on."""

from __future__ import annotations


class RightsError(ValueError):
    """A request that cannot be carried out, with the reason, in one sentence."""
