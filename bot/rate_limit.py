"""Per-user rate limit kept in the dialog state, so every worker counts the same messages."""

from __future__ import annotations

from bot.state import DialogState

WINDOW_SECONDS = 60.0


def allow(state: DialogState, *, now: float, per_minute: int) -> tuple[bool, bool]:
    """Record a message at ``now``; returns (allowed, warn) — warn only on the first refusal of a window."""
    recent = [t for t in state.rl if now - t < WINDOW_SECONDS]
    if len(recent) >= per_minute:
        warn = now - (state.rl_warned or 0.0) >= WINDOW_SECONDS
        if warn:
            state.rl_warned = now
        state.rl = recent
        return False, warn
    state.rl = [*recent, now]
    return True, False
