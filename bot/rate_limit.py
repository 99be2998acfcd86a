"""Per-user rate limit kept in the dialog state, so every worker counts the same messages."""

from __future__ import annotations

from typing import Any

WINDOW_SECONDS = 60.0


def allow(state: dict[str, Any], *, now: float, per_minute: int) -> tuple[bool, bool]:
    """Record a message at ``now``; returns (allowed, warn) — warn only on the first refusal of a window."""
    recent = [float(t) for t in state.get("rl", []) if now - float(t) < WINDOW_SECONDS]
    if len(recent) >= per_minute:
        warned_at = float(state.get("rl_warned", 0.0))
        warn = now - warned_at >= WINDOW_SECONDS
        if warn:
            state["rl_warned"] = now
        state["rl"] = recent
        return False, warn
    recent.append(now)
    state["rl"] = recent
    return True, False
