"""A registry the apps above cdc use to act when a change request moves a step.

cdc cannot import them (imports only go down), so an app registers a listener in its
AppConfig.ready(); services call every listener inside the transaction that wrote the step,
after its HistoryEntry. billing uses it for the request's quote (an Estimate): emailed to the
client when the request reaches the decision step, settled when the client decides.
"""

from __future__ import annotations

from collections.abc import Callable

_listeners: list[Callable] = []


def register(listener: Callable) -> None:
    """listener(*, actor, cr, action, from_state, to_state, comment); registered once."""
    if listener not in _listeners:
        _listeners.append(listener)


def step_changed(*, actor, cr, action: str, from_state: str, to_state: str, comment: str) -> None:
    for listener in _listeners:
        listener(
            actor=actor,
            cr=cr,
            action=action,
            from_state=from_state,
            to_state=to_state,
            comment=comment,
        )
