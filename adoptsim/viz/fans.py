"""Sweep figures: adoption fan charts per scenario, and what each scenario buys for its cost.

A fan chart shows the spread of outcomes over the replicate runs of a
scenario: the median run as a line, the middle 50 % and 90 % of runs as
bands. Readers see at once both the expected path and how uncertain it is.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from matplotlib.ticker import FuncFormatter, PercentFormatter

from ..sweep.spec import BASELINE

MAX_PANELS = 12
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
FAN_COLOR = "tab:blue"
UNITS_SHOWN = {"m3/yr": "m³ per year", "m3": "m³", "t/yr": "t per year", "kW": "kW", "m3-eq/yr": "m³-eq per year"}


def column_label(column: str) -> str:
    """Plain-language name of an outcome column, from the outcome table (with its unit where it helps)."""
    from ..outcome_table import label, unit

    try:
        text, shown = label(column), UNITS_SHOWN.get(unit(column), "")
    except KeyError:
        return column.replace("_", " ")
    text = text[0].lower() + text[1:]
    return f"{text} ({shown})" if shown else text


def fan_quantiles(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Quantiles across replicates of ``column``, per (variant, month).

    Returns
    -------
    pandas.DataFrame
        Indexed by (variant, year), one column per quantile of :data:`QUANTILES`.
    """
    q = frame.groupby(["variant", "year"])[column].quantile(list(QUANTILES))
    return q.unstack(level=-1)


def _final_median_gain(fans: pd.DataFrame, variants: list[str]) -> dict[str, float]:
    """Median of each variant at its last month minus the baseline's median at that month."""
    base = fans.loc[BASELINE][0.5] if BASELINE in fans.index.get_level_values(0) else None
    gains = {}
    for v in variants:
        med = fans.loc[v][0.5]
        gains[v] = float(med.iloc[-1] - (base.reindex(med.index).iloc[-1] if base is not None else 0.0))
    return {v: (g if not math.isnan(g) else -math.inf) for v, g in gains.items()}


def choose_variants(fans: pd.DataFrame, order: list[str], variants: list[str] | None,
                    max_panels: int = MAX_PANELS) -> tuple[list[str], str]:
    """Which non-baseline variants get a panel, and a note if some were left out.

    With more variants than panels, keep those with the largest final median
    gain over the baseline (a grid of 50 tiny panels helps nobody).
    """
    present = set(fans.index.get_level_values(0))
    wanted = [v for v in (variants if variants is not None else order) if v != BASELINE and v in present]
    room = max_panels - (1 if BASELINE in present else 0)
    if len(wanted) <= room:
        return wanted, ""
    gains = _final_median_gain(fans, wanted)
    keep = set(sorted(wanted, key=lambda v: -gains[v])[:room])
    return [v for v in wanted if v in keep], (f"showing the {room} of {len(wanted)} scenarios "
                                              "with the largest median gain at the end")


def _grid(n: int) -> tuple[int, int]:
    ncols = 1 if n == 1 else 2 if n <= 4 else 3 if n <= 9 else 4
    return math.ceil(n / ncols), ncols


def _draw_fan(ax: plt.Axes, fan: pd.DataFrame, color: str) -> None:
    years = fan.index.to_numpy(float)
    ax.fill_between(years, fan[QUANTILES[0]], fan[QUANTILES[-1]], color=color, alpha=0.18, lw=0)
    ax.fill_between(years, fan[QUANTILES[1]], fan[QUANTILES[-2]], color=color, alpha=0.35, lw=0)
    ax.plot(years, fan[0.5], color=color, lw=2)


def _format_y(ax: plt.Axes, column: str, top: float) -> None:
    """Percent axis from 0 for shares, thousands separators otherwise; ``top`` = highest band."""
    if column.startswith("share"):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylim(0, min(1.0, top * 1.08) if top > 0 else 0.01)
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))


def _legend_handles(has_baseline: bool) -> list:
    handles = [Line2D([], [], color=FAN_COLOR, lw=2, label="median run"),
               Patch(color=FAN_COLOR, alpha=0.45, label="middle 50 % of runs"),
               Patch(color=FAN_COLOR, alpha=0.18, label="middle 90 % of runs")]
    if has_baseline:
        handles.append(Line2D([], [], color="grey", lw=1.5, ls="--", label="baseline (median run)"))
    return handles


def runs_shown(frame: pd.DataFrame) -> str:
    """How many runs a scenario's band spreads over, and what they are: ``20 runs`` or
    ``40 runs: 20 posterior draws x 2 replicates`` (a posterior ensemble's band holds parameter uncertainty)."""
    if not len(frame):
        return "0 runs"
    keys = [c for c in ("sample", "draw", "replicate") if c in frame]
    per_variant = frame.drop_duplicates(["variant", *keys]).groupby("variant")
    counts = per_variant[keys].nunique().max()
    runs = int(per_variant.size().max())
    parts = [f"{int(counts[c])} {what}" for c, what in (("sample", "uncertainty samples"),
                                                        ("draw", "posterior draws")) if c in counts and counts[c] > 1]
    return f"{runs} runs" + (f": {' x '.join(parts)} x {int(counts['replicate'])} replicates" if parts else "")


def fan_chart(frame: pd.DataFrame, manifest: dict, column: str = "share_adopted",
              variants: list[str] | None = None) -> plt.Figure:
    """Fan charts of ``column`` over years, one panel per scenario, baseline first.

    Each panel shows the median run and the bands holding the middle 50 % and
    90 % of replicate runs; the baseline's median is repeated as a dashed grey
    line in every other panel so that each scenario's gain can be read
    directly. Axes are shared. At most :data:`MAX_PANELS` panels: with more
    scenarios, those with the largest final median gain are shown and the
    title says so.

    Parameters
    ----------
    frame, manifest
        What :func:`adoptsim.sweep.load_results` returns.
    column
        Outcome column to draw (shares are shown as percentages).
    variants
        Variant ids to show (default: all, in sweep order).
    """
    from ..sweep import variant_names

    names = variant_names(frame, manifest)
    fans = fan_quantiles(frame, column)
    shown, note = choose_variants(fans, list(names), variants)
    has_base = BASELINE in fans.index.get_level_values(0)
    panels = ([BASELINE] if has_base else []) + shown
    nrows, ncols = _grid(max(len(panels), 1))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.7 * ncols, 2.7 * nrows + 1.3), sharex=True, sharey=True,
                             squeeze=False)
    for ax, vid in zip(axes.flat, panels):
        _draw_fan(ax, fans.loc[vid], "dimgrey" if vid == BASELINE else FAN_COLOR)
        if has_base and vid != BASELINE:
            base = fans.loc[BASELINE][0.5]
            ax.plot(base.index.to_numpy(float), base.to_numpy(), color="grey", lw=1.5, ls="--")
        ax.set_title(textwrap.fill(names.get(vid, vid), 38), fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    top = max((float(fans.loc[v][QUANTILES[-1]].max()) for v in panels), default=0.0)
    _format_y(axes.flat[0], column, top)  # axes are shared: once is enough
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("years from start")
    for ax in axes[:, 0]:
        ax.set_ylabel(column_label(column))
    heading = (f"{column_label(column).capitalize()}: median run (line) and the spread of {runs_shown(frame)} "
               "(bands) for each scenario")
    fig.suptitle(heading + (f"\n{note}" if note else ""), fontsize=11, x=0.01, ha="left")
    fig.legend(handles=_legend_handles(has_base), loc="lower center", ncol=4, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def _numbers_by_point(x: np.ndarray, y: np.ndarray, numbers: list[int]) -> dict[tuple[float, float], str]:
    """One label per distinct point, its scenarios' numbers; scenarios with identical results share it (``3, 7``)."""
    out: dict[tuple[float, float], list[str]] = {}
    for xi, yi, n in zip(x, y, numbers):
        if np.isfinite(xi) and np.isfinite(yi):
            out.setdefault((round(float(xi), 6), round(float(yi), 6)), []).append(str(n))
    return {k: ", ".join(v) for k, v in out.items()}


#: where a point's number may go, in offset points from the point (tried in this order, then farther out)
_AROUND = ((1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (0, 1), (-1, 0), (0, -1))


def place_labels(ax: plt.Axes, pad: float = 1.0) -> None:
    """Move the point labels of ``ax`` (annotations in offset points) so that no two overlap.

    Each label in turn takes the first spot around its point, ever farther out, where its box
    (``get_window_extent``, padded by ``pad`` pixels) meets no label already placed nor another text of
    the axes (the key, a note). Call it again
    after the figure is resized or its fonts change (the report does, for slides).
    """
    notes = [t for t in ax.texts if isinstance(t, Annotation) and t.get_text() and t.get_anncoords() == "offset points"]
    if len(notes) < 2:
        return
    renderer = ax.figure.canvas.get_renderer()
    placed = [t.get_window_extent(renderer) for t in ax.texts if t not in notes and t.get_text()]  # key, notes
    for note in notes:
        size = note.get_fontsize()
        box = None
        for ring in range(1, 40):
            for dx, dy in _AROUND:
                note.xyann = (dx * (3 + ring * size * 0.6), dy * (2 + ring * size * 0.45))
                note.set_ha("left" if dx > 0 else "right" if dx < 0 else "center")
                note.set_va("bottom" if dy > 0 else "top" if dy < 0 else "center")
                box = note.get_window_extent(renderer).expanded(1.0, 1.0).padded(pad)
                if not any(box.overlaps(b) for b in placed):
                    break
            else:
                continue
            break
        placed.append(box)


def number_key(ax: plt.Axes, entries: list[str], *, fontsize: float = 7.5, width: int = 40, right: float = 0.66,
               max_lines: int = 30) -> None:
    """A numbered key of scenario names at the right of a one-panel figure (as many lines as fit; the rest is
    said to be in the table). Drawn as a text of ``ax`` in figure coordinates, beside the axes."""
    fig = ax.figure
    shown, lines = [], 0
    for i, entry in enumerate(entries):
        text = textwrap.fill(entry, width, subsequent_indent="    ")
        if lines + text.count("\n") + 1 > max_lines - 1:
            shown.append(f"... and {len(entries) - i} more: see the table")
            break
        shown.append(text)
        lines += text.count("\n") + 1
    fig.subplots_adjust(right=right - 0.02)
    ax.text(right, ax.get_position().y1, "\n".join(shown), va="top", ha="left", fontsize=fontsize,
            linespacing=1.25, transform=fig.transFigure)


#: the gains a cost-effectiveness chart can plot (``compare --by`` names): (column, scale, y label)
GAINS = {
    "adoption": ("gain_share_adopted", 100, "gain in share of firms that adopted (percentage points)"),
    "compliance": ("gain_share_compliant", 100, "gain in share of firms meeting the standard (percentage points)"),
    "water": ("gain_water_m3_per_year", 1, "extra water saved (m³ per year)"),
    "pollution": ("pollution_reduction_m3eq_per_year", 1, "pollution load cut (m³-eq per year)"),
}


def cost_effectiveness_chart(table: pd.DataFrame, horizon: int | None = None, gain: str = "adoption", *,
                             numbers: dict[str, int] | None = None, key: bool = True) -> plt.Figure:
    """A gain against public money spent, one numbered point per scenario, with a key of the numbers.

    Points are numbered (``numbers``: variant id -> number; by default 1, 2, ... in the table's order,
    best first), never labelled with names, and the numbers are placed so that none overlaps another
    (:func:`place_labels`); ``key`` adds the numbered names at the right (the report adds its own, at
    slide size).

    x is the extra public cost up to ``horizon`` (millions of the profile's
    currency), y the gain ``gain`` (a key of :data:`GAINS`: by default the
    share of firms that adopted, in percentage points) with its confidence
    interval as an error bar. Scenarios up and to the left buy more for less
    money. ``horizon`` defaults to the longest one in ``table`` (the output of
    :func:`adoptsim.compare.compare`).

    Raises
    ------
    ValueError
        If ``table`` has no row at ``horizon``.
    """
    if horizon is None:
        horizon = int(table["horizon_months"].max())
    rows = table.loc[table["horizon_months"] == horizon]
    if rows.empty:
        raise ValueError(f"no comparison at {horizon} months; available: "
                         f"{sorted(set(table['horizon_months'].astype(int)))}")
    cur = str(rows["currency"].iloc[0]) if "currency" in rows and pd.notna(rows["currency"].iloc[0]) else ""
    column, scale, y_label = GAINS[gain]
    x = rows["public_cost"].to_numpy(float) / 1e6
    y = scale * rows[column].to_numpy(float)
    err = np.nan_to_num(np.vstack([y - scale * rows[f"{column}_lo"].to_numpy(float),
                                   scale * rows[f"{column}_hi"].to_numpy(float) - y]), nan=0.0)
    fig, ax = plt.subplots(figsize=(8.5, 5.5))
    ax.errorbar(x, y, yerr=err, fmt="o", color=FAN_COLOR, ecolor="lightsteelblue", elinewidth=2, capsize=3, ms=7)
    ax.plot([0], [0], marker="s", color="grey", ms=7)
    ax.annotate("baseline", (0, 0), xytext=(6, -12), textcoords="offset points", fontsize=8, color="grey")
    numbered = [numbers[v] if numbers else i for i, v in enumerate(rows["variant"], 1)]
    for (px, py), label in _numbers_by_point(x, y, numbered).items():
        ax.annotate(label, (px, py), xytext=(6, 4), textcoords="offset points", fontsize=8, fontweight="bold",
                    color=FAN_COLOR)
    ax.axhline(0, color="grey", lw=0.8)
    finite = x[np.isfinite(x)]
    low, high = min(0.0, *finite), max(0.0, *finite)
    span = max(high - low, 1e-6)
    ax.set_xlim(low - 0.08 * span, high + 0.08 * span)  # room around the points for their numbers
    ax.set_xlabel(f"extra public money spent by month {horizon} (million{' ' + cur if cur else ''})")
    ax.set_ylabel(y_label)
    if scale == 1:  # m³ a year: thousands separators, not a "1e6" above the axis
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    level = float(rows["level"].iloc[0]) if "level" in rows else 0.9
    ax.set_title(f"What each scenario buys after {horizon} months ({horizon / 12:g} years): bars = "
                 f"{100 * level:g} % confidence interval", fontsize=10, loc="left")
    ax.text(0.01, 0.98, "up and to the left is better\n(" + ("more adoption" if gain == "adoption" else "more")
            + " for less public money)",
            transform=ax.transAxes, va="top", fontsize=9, color="dimgrey", style="italic")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    if key:
        number_key(ax, [f"{n}. {name}" for n, name in zip(numbered, rows["variant_name"])], fontsize=6.5, width=60,
                   max_lines=44)
    fig.canvas.draw()
    place_labels(ax)
    return fig
