"""A pane's chart (`g`): textual-plotext drawing a `tui.charts.Chart`.
Imported on the first `g` only: plotext is not needed for the first frame."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from tui.charts import Chart


class ChartView(PlotextPlot, can_focus=True):
    DEFAULT_CSS = """
    ChartView { height: 1fr; min-height: 8; }
    ChartView:focus { background-tint: $foreground 3%; }
    """

    def __init__(self) -> None:
        super().__init__(classes="chart")
        self.chart: Chart | None = None

    def show_chart(self, chart: Chart) -> None:
        self.chart = chart
        plt = self.plt
        plt.clear_figure()
        plt.title(chart.title)
        positions = list(range(1, len(chart.x_labels) + 1))
        if chart.kind == "lines":
            for series in chart.series:
                points = [(x, y) for x, y in zip(positions, series.values, strict=True)
                          if y is not None]  # fmt: skip
                if points:  # a month with no figure yet ends the line
                    xs, ys = zip(*points, strict=True)
                    label = series.label if chart.legend else None
                    plt.plot(list(xs), list(ys), marker=series.marker, label=label)
            plt.xticks(positions, list(chart.x_labels))
            plt.xlim(0.5, len(positions) + 0.5)
        else:
            values = [[0.0 if v is None else v for v in s.values] for s in chart.series]
            if len(values) == 1:
                plt.bar(list(chart.x_labels), values[0], marker=chart.series[0].marker,
                        label=chart.series[0].label, minimum=0)  # bars rise and hang from 0
            else:
                plt.multiple_bar(list(chart.x_labels), values,
                                 labels=[s.label for s in chart.series],
                                 marker=[s.marker for s in chart.series],
                                 minimum=0)  # fmt: skip
        ticks, labels = chart.y_ticks()
        plt.yticks(ticks, labels)
        self.refresh()
