"""Charts as small SVG strings, drawn with matplotlib's object API (no pyplot state, so
it is safe in a request thread).

Text stays text (svg.fonttype "none"): the files are small, and the PDF renderer sets
the words in the report's own font. Every chart gets a title here and a data table
beside it in the report.
"""

from __future__ import annotations

import base64
import io
import textwrap
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# One calm palette for report and dashboard. Each colour has at least 3:1 contrast on
# white (WCAG 1.4.11 for graphics); labels drawn on a colour have at least 4.5:1
# (white on the dark ones, ink on the light ones).
INK = "#1f2a33"
MUTED = "#4d5b66"
GRID = "#d5dde3"
REGISTERED_COLOUR = "#6f93a8"
ATTENDED_COLOUR = "#1d5470"
LIKERT_COLOURS = ("#9a4a3c", "#c0825f", "#939393", "#457690", "#1d5470")

FONT_STACK = ["Liberation Sans", "DejaVu Sans", "sans-serif"]

_STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "gathering-report",
    "font.family": FONT_STACK,
    "font.size": 9,
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "text.color": INK,
    # Titles sit just above the axes: no chart has tick labels above them, and left to
    # place itself, a title measured every tick label of the chart to be sure.
    "axes.titley": 1.0,
}


# rc_context swaps matplotlib's global settings; two threads drawing at once (a report
# in the background and a dashboard request) must not see each other's.
_DRAWING = threading.Lock()


def _svg(figure: Figure) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(_STYLE):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def data_uri(svg: str) -> str:
    """An SVG as a data: URI, so that neither browser nor PDF renderer fetches anything."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _wrap(label: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(str(label), width)[:3]) or str(label)


WIDTH_IN = 6.6


def _new_figure(
    rows: int, *, per_row: float = 0.42, extra: float = 0.9, width_in: float = WIDTH_IN
) -> Figure:
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_STYLE):
        return Figure(figsize=(width_in, max(1.6, extra + per_row * rows)), dpi=72)


def _left_in(labels: list[str]) -> float:
    """The width the longest line of the labels takes, in inches (8 pt type)."""
    longest = max((len(line) for label in labels for line in label.split("\n")), default=4)
    return 0.15 + longest * 8 * 0.5 / 72


def _place_axes(figure: Figure, labels: list[str], *, top_in: float, bottom_in: float) -> None:
    """Margins from the longest label line instead of tight_layout, which would draw
    the whole figure once more just to measure it (a third of the drawing time)."""
    left_in = _left_in(labels)
    height = figure.get_figheight()
    width = figure.get_figwidth()
    figure.subplots_adjust(
        left=min(0.55, left_in / width),
        right=0.96,
        top=1 - top_in / height,
        bottom=bottom_in / height,
    )


def paired_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None], Sequence[str]]],
    title: str,
    *,
    width_in: float = WIDTH_IN,
) -> str:
    """Horizontal bars, one group per category, e.g. registered vs attended.

    Each series is (name, values, printed values). A value that suppression hid is None:
    it is drawn as no bar, with the same mark the table prints ("<5" or "x"), so the
    chart never shows more than the table does.
    """
    with _DRAWING:
        return _paired_bars(labels, series, title, width_in)


def _paired_bars(labels, series, title: str, width_in: float) -> str:
    import matplotlib

    rows = len(labels)
    wrapped = [_wrap(label, 40 if width_in >= WIDTH_IN else 27) for label in labels]
    colours = [REGISTERED_COLOUR, ATTENDED_COLOUR][-len(series) :] if len(series) < 3 else None
    colours = colours or LIKERT_COLOURS
    # Each group is tall enough for its label's lines (8 pt type), so labels never overlap.
    lines = max((label.count("\n") + 1 for label in wrapped), default=1)
    per_row = max(0.07 + 0.11 * len(series), 0.14 * lines + 0.04)
    with matplotlib.rc_context(_STYLE):
        figure = _new_figure(rows, per_row=per_row, extra=0.8, width_in=width_in)
        axes = figure.add_subplot()
        height = 0.8 / max(1, len(series))
        top = max([v for _, values, _ in series for v in values if v is not None] + [1])
        for index, (name, values, texts) in enumerate(series):
            offset = (index - (len(series) - 1) / 2) * height
            drawn = [v if v is not None else 0 for v in values]
            bars = axes.barh(
                [p + offset for p in range(rows)],
                drawn,
                height=height * 0.92,
                color=colours[index % len(colours)],
                label=name,
            )
            for bar, text in zip(bars, texts, strict=True):
                axes.text(
                    bar.get_width() + top * 0.012,
                    bar.get_y() + bar.get_height() / 2,
                    text,
                    va="center",
                    fontsize=7.5,
                    color=INK,
                )
        axes.set_yticks(range(rows), wrapped, fontsize=8)
        axes.invert_yaxis()
        axes.set_xlim(0, top * 1.14)
        axes.xaxis.grid(True, color=GRID, linewidth=0.6)
        axes.set_axisbelow(True)
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        axes.tick_params(axis="both", length=0, labelsize=8)
        axes.set_title(title, loc="left", fontsize=10, fontweight="bold", color=INK, pad=16)
        if len(series) > 1:
            # Beside the title when it fits over the bars, else right-aligned over the
            # whole figure (it reaches over the labels), never cut at the edge.
            legend_in = sum(0.45 + len(name) * 8 * 0.55 / 72 for name, _, _ in series)
            bars_in = width_in * (0.96 - min(0.55, _left_in(wrapped) / width_in))
            fits = legend_in <= bars_in
            axes.legend(
                loc="lower left" if fits else "lower right",
                bbox_to_anchor=(0, 1.0) if fits else (1.0, 1.0),
                ncols=len(series),
                frameon=False,
                fontsize=8,
                borderaxespad=0.1,
            )
        _place_axes(figure, wrapped, top_in=0.6 if len(series) > 1 else 0.4, bottom_in=0.3)
        return _svg(figure)


def likert_stacked(
    questions: Sequence[str],
    scale: Sequence[str],
    percents: Sequence[Sequence[float | None] | None],
    title: str,
) -> str:
    """100% stacked bars, one per rating question, lowest rating on the left.

    A segment given as None was suppressed: the hidden share of a bar (which a reader
    can work out anyway from the visible ones) is drawn as one pale "not shown" block
    at the end. A whole row given as None gets no bar.
    """
    with _DRAWING:
        return _likert_stacked(questions, scale, percents, title)


def _likert_stacked(questions, scale, percents, title: str) -> str:
    import matplotlib
    from matplotlib.patches import Patch

    rows = len(questions)
    labels = [_wrap(question, 40) for question in questions]
    colours = _likert_palette(len(scale))
    with matplotlib.rc_context(_STYLE):
        figure = _new_figure(rows, per_row=0.42, extra=1.3)
        axes = figure.add_subplot()
        hidden_style = {
            "facecolor": "#eef1f3",
            "edgecolor": "#8f8f8f",
            "hatch": "///",
            "linewidth": 0.4,
        }
        any_hidden = False
        for index, row in enumerate(percents):
            if row is None:
                continue
            left = 0.0
            hidden_share = 100.0 - sum(v for v in row if v is not None)
            hidden_drawn = False
            for value, colour in zip(row, colours, strict=True):
                if value is None:
                    # All hidden segments of a bar become one block where the first of
                    # them sits: the visible segments keep their order, and no edge
                    # reveals a hidden count.
                    if not hidden_drawn and hidden_share > 0:
                        axes.barh(index, hidden_share, left=left, height=0.62, **hidden_style)
                        left += hidden_share
                        hidden_drawn = any_hidden = True
                    continue
                axes.barh(index, value, left=left, height=0.62, color=colour)
                if value >= 7:
                    axes.text(
                        left + value / 2,
                        index,
                        f"{value:.0f}%",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color="#ffffff" if colour in _DARK else INK,
                    )
                left += value
        handles = [Patch(color=c, label=label) for label, c in zip(scale, colours, strict=True)]
        if any_hidden:
            handles.append(Patch(label="Small numbers, not shown", **hidden_style))
        for index, row in enumerate(percents):
            if row is None:
                axes.text(1, index, "Too few responses to show", va="center", fontsize=7.5)
        axes.set_yticks(range(rows), labels, fontsize=8)
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        axes.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=8)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.tick_params(axis="both", length=0)
        axes.set_title(title, loc="left", fontsize=10, fontweight="bold", color=INK, pad=8)
        columns = len(handles) if len(handles) <= 5 else 3
        figure.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 0.02),
            ncols=columns,
            frameon=False,
            fontsize=7.5,
            handlelength=1.2,
            columnspacing=1.0,
        )
        legend_rows = -(-len(handles) // columns)
        _place_axes(figure, labels, top_in=0.4, bottom_in=0.45 + 0.2 * legend_rows)
        return _svg(figure)


# Segments that carry white labels (>= 4.5:1); the others carry ink labels (>= 4.5:1).
_DARK = {"#9a4a3c", "#457690", "#1d5470"}


def _likert_palette(points: int) -> list[str]:
    if points == len(LIKERT_COLOURS):
        return list(LIKERT_COLOURS)
    if points <= 1:
        return [ATTENDED_COLOUR] * points
    step = (len(LIKERT_COLOURS) - 1) / (points - 1)
    return [LIKERT_COLOURS[round(i * step)] for i in range(points)]


def cumulative_line(labels: Sequence[str], values: Sequence[int], title: str) -> str:
    """A running total by day (registrations over time) for the organiser dashboard,
    in the report's palette and type; the page prints the same numbers as a table."""
    import matplotlib
    from matplotlib.figure import Figure

    with _DRAWING, matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(WIDTH_IN, 2.4), dpi=72)
        axes = figure.add_subplot()
        positions = list(range(len(values)))
        axes.fill_between(positions, values, color=REGISTERED_COLOUR, alpha=0.25, linewidth=0)
        axes.plot(positions, values, color=ATTENDED_COLOUR, linewidth=1.8)
        step = max(1, len(labels) // 6)
        ticks = positions[::step]
        axes.set_xticks(ticks, [labels[i] for i in ticks], fontsize=8)
        axes.set_ylim(0, max([*values, 1]) * 1.12)
        axes.yaxis.grid(True, color=GRID, linewidth=0.6)
        axes.set_axisbelow(True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.tick_params(axis="both", length=0, labelsize=8)
        axes.set_title(title, loc="left", fontsize=10, fontweight="bold", color=INK, pad=10)
        figure.subplots_adjust(left=0.08, right=0.98, top=0.82, bottom=0.16)
        return _svg(figure)
