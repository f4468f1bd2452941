"""Pattern-oriented validation at a glance: one small panel per pattern.

Each panel shows the key comparison of one pattern's experiment (curves over
years, or bars by group) and says in its title whether the model reproduces
the pattern: green when it does (under every parameter set checked), red when
it does not (under none), orange when only some posterior draws do. With
several parameter sets the panel draws the first one.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import PercentFormatter

if TYPE_CHECKING:
    from ..validate import Panel, PatternResult

GREEN, RED, ORANGE = "#1a7f37", "#c62828", "#b26a00"


def verdict_colour(reproduced: int, total: int) -> str:
    """Green if every parameter set reproduces the pattern, red if none does, orange otherwise."""
    return GREEN if reproduced == total else RED if reproduced == 0 else ORANGE


def verdict_text(reproduced: int, total: int) -> str:
    if total == 1:
        return "reproduced" if reproduced else "NOT reproduced"
    return f"reproduced in {reproduced} of {total} draws"


def draw_panel(ax: plt.Axes, panel: Panel) -> None:
    """Draw one pattern's key comparison on ``ax``."""
    if panel.kind == "lines":
        for label, y in panel.series.items():
            ax.plot(panel.x, y, lw=1.8, ls="--" if label in panel.dashed else "-", label=label)
        ax.set_xlabel(panel.xlabel or "years", fontsize=8)
    elif panel.kind == "bars":
        n = max(len(panel.series), 1)
        width = 0.8 / n
        pos = np.arange(len(panel.x))
        for i, (label, y) in enumerate(panel.series.items()):
            ax.bar(pos + (i - (n - 1) / 2) * width, y, width, label=label)
        ax.set_xticks(pos, [textwrap.fill(str(c), 16) for c in panel.x], fontsize=7)
    else:
        raise ValueError(f"unknown panel kind {panel.kind!r}")
    if panel.percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylim(bottom=0)
    ax.set_ylabel(panel.ylabel or "share of firms", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    if len(panel.series) > 1 or panel.kind == "lines":
        ax.legend(fontsize=6, frameon=False, loc="best")


def patterns_figure(results: Sequence[PatternResult], *, title: str = "") -> plt.Figure:
    """Small multiples: one panel per pattern, titled green / red by whether it is reproduced.

    Parameters
    ----------
    results
        :class:`adoptsim.validate.PatternResult` objects, one per pattern and parameter set.
    title
        A line under the heading (for instance where the parameter sets came from).
    """
    grouped: dict[int, list] = {}
    for r in results:
        grouped.setdefault(r.number, []).append(r)
    numbers = sorted(grouped)
    ncols = min(3, max(len(numbers), 1))
    nrows = max(math.ceil(len(numbers) / ncols), 1)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.3 * nrows + 0.9), squeeze=False)
    for ax, number in zip(axes.flat, numbers):
        rs = sorted(grouped[number], key=lambda r: r.draw)
        k = sum(r.reproduced for r in rs)
        draw_panel(ax, rs[0].figure)
        ax.set_title(f"{number}. {textwrap.fill(rs[0].short, 38)}\n{verdict_text(k, len(rs))}",
                     fontsize=9, loc="left", color=verdict_colour(k, len(rs)))
    for ax in axes.flat[len(numbers):]:
        ax.set_visible(False)
    heading = "Which patterns of a credible model does adoptsim reproduce?"
    if any(len(rs) > 1 for rs in grouped.values()):
        heading += " (panels show the first parameter set)"
    if title:
        heading += "\n" + textwrap.fill(title, 150)
    fig.suptitle(heading, fontsize=10, x=0.01, ha="left")
    fig.tight_layout()
    return fig
