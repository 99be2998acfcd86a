"""Bar charts drawn as SVG on the server: the geometry here, the markup in ``templates/_chart.html``.

Each row puts the label (left) and the count (right) above a bar whose length is a percentage of the chart's
width, so the SVG fills any width without scaling its text: it reads the same on a 390 px phone and a desktop.
"""

from __future__ import annotations

from dataclasses import dataclass

ROW_HEIGHT = 44


@dataclass(frozen=True)
class Bar:
    """One bar: its label, count, top in SVG units and length in percent of the width."""

    label: str
    count: int
    y: int
    percent: float


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart with a title (also its accessible name)."""

    title: str
    bars: list[Bar]
    height: int

    @property
    def empty(self) -> bool:
        """Whether there is nothing to draw."""
        return not any(bar.count for bar in self.bars)


def bar_chart(title: str, pairs: list[tuple[str, int]], *, limit: int = 12) -> Chart:
    """A chart of the first ``limit`` (label, count) pairs, the longest bar filling the width."""
    shown = pairs[:limit]
    top = max((count for _label, count in shown), default=0) or 1
    bars = [
        Bar(label=label or "(chưa ghi)", count=count, y=index * ROW_HEIGHT, percent=round(100 * count / top, 1))
        for index, (label, count) in enumerate(shown)
    ]
    return Chart(title=title, bars=bars, height=max(1, len(bars)) * ROW_HEIGHT)
