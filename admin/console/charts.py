"""Bar charts drawn as SVG on the server: the geometry here, the markup in ``templates/_chart.html``."""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT = 26
LABEL_WIDTH = 190
CHART_WIDTH = 560


@dataclass(frozen=True)
class Bar:
    """One bar: its label, count, position and length in SVG units."""

    label: str
    count: int
    y: int
    length: float


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart with a title (also its accessible name)."""

    title: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int

    @property
    def empty(self) -> bool:
        """Whether there is nothing to draw."""
        return not any(bar.count for bar in self.bars)


def bar_chart(title: str, pairs: list[tuple[str, int]], *, limit: int = 12) -> Chart:
    """A chart of the first ``limit`` (label, count) pairs, longest bar filling the width."""
    shown = pairs[:limit]
    top = max((count for _label, count in shown), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 50
    bars = [
        Bar(label=label or "(chưa ghi)", count=count, y=index * BAR_HEIGHT, length=round(room * count / top, 1))
        for index, (label, count) in enumerate(shown)
    ]
    return Chart(
        title=title, bars=bars, width=CHART_WIDTH, height=max(1, len(bars)) * BAR_HEIGHT, label_width=LABEL_WIDTH
    )
