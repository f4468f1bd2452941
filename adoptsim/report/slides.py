"""Figures sized for slides: any library figure resized to 16:9 with large fonts, and the comparison bars.

A library figure is laid out for an A4 page; :func:`slide` makes it readable
from across a room. :func:`finish` writes a slide's files and keeps its PNG for
the HTML page.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.text import Annotation, Text

from ..outcomes import atomic_path
from .measures import WORDING, bare, is_share, ranked_by
from .text import when

SLIDE = (40 / 3, 7.5)  # inches: 16:9
SLIDE_DPI = 150        # 2000 x 1125 pixels
FONT_SCALE = 1.7       # the library's figures are sized for A4 pages; a slide is read from across a room
MIN_FONT = 15.0        # points, after scaling


def slide(fig: plt.Figure, *, scale: float = FONT_SCALE, min_font: float = MIN_FONT) -> plt.Figure:
    """Resize a library figure to a 16:9 slide and enlarge every text in it.

    Text sizes are multiplied by ``scale`` and raised to at least
    ``min_font`` points; the layout is then redone, leaving room at the
    bottom for a figure legend if there is one.
    """
    fig.set_size_inches(*SLIDE)
    ticks = set()
    for ax in fig.axes:  # tick labels via tick_params, so ticks made later get the size too
        for axis in ("x", "y"):
            labels = getattr(ax, f"get_{axis}ticklabels")()
            ticks |= {id(t) for t in labels}
            size = labels[0].get_fontsize() if labels else MIN_FONT / scale
            ax.tick_params(axis=axis, labelsize=max(min_font, size * scale))
    for text in fig.findobj(Text):
        if text.get_text() and id(text) not in ticks:
            text.set_fontsize(max(min_font, text.get_fontsize() * scale))
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_ylabel()]
    labels = {ax.get_ylabel() for ax in axes}
    if len(axes) > 1 and len(labels) == 1:  # one label for a grid of panels, not one squeezed beside each row
        size = axes[0].yaxis.label.get_fontsize()
        for ax in axes:
            ax.set_ylabel("")
        fig.supylabel(labels.pop(), fontsize=size)
    for ax in fig.axes:  # panel titles re-wrapped to the panel's width at their new size
        title = ax.get_title(loc="left")
        if title and ax.get_visible():
            size = ax.title.get_fontsize() if ax.get_title() else _left_title(ax, title).get_fontsize()
            width_pt = ax.get_position().width * SLIDE[0] * 72
            ax.set_title(textwrap.fill(title.replace("\n", " "), max(20, int(width_pt / (0.55 * size)))),
                         loc="left", fontsize=size)
    engine = fig.get_layout_engine()
    if not isinstance(engine, ConstrainedLayoutEngine):
        bottom = 0.0
        if fig.legends:
            fig.canvas.draw()
            bottom = max(lg.get_window_extent().height for lg in fig.legends) / fig.bbox.height + 0.01
        fig.tight_layout(rect=(0, bottom, 1, 1))
    for ax in fig.axes:
        _declutter(ax)
    return fig


def _left_title(ax: plt.Axes, title: str) -> Text:
    """The Text artist of the axes' left title (``ax.get_title(loc="left")`` gives only its string)."""
    return next(t for t in ax.get_children()
                if isinstance(t, Text) and not isinstance(t, Annotation) and t.get_text() == title
                and t.get_horizontalalignment() == "left")


def _declutter(ax: plt.Axes, pad: float = 2.0) -> None:
    """Move point labels (annotations in offset points) down until none overlaps another."""
    notes = [t for t in ax.texts if isinstance(t, Annotation) and t.get_text()
             and t.get_anncoords() == "offset points"]
    if len(notes) < 2:
        return
    fig = ax.figure
    fig.canvas.draw()
    to_points = 72 / fig.dpi
    placed = []
    for note in sorted(notes, key=lambda t: -t.get_window_extent().y1):
        for _ in range(50):
            box = note.get_window_extent().expanded(1.0, 1.0)
            hit = next((b for b in placed if box.overlaps(b)), None)
            if hit is None:
                break
            dx, dy = note.xyann
            note.xyann = (dx, dy - (box.y1 - hit.y0) * to_points - pad)
        placed.append(note.get_window_extent())


def comparison_chart(table: pd.DataFrame, horizon: int, names: Sequence[str] | None = None,
                     numbers: Sequence[int] | None = None) -> plt.Figure:
    """The outcome ``table`` is ranked by (its gain over the baseline, or its cost), per scenario, with its
    confidence interval.

    One horizontal bar per scenario of ``table`` (the output of
    :func:`adoptsim.compare.compare`) at ``horizon``, best first; ``names``
    restricts and orders the scenarios shown, ``numbers`` prefixes their labels.
    """
    m = ranked_by(table)
    w = WORDING[m.name]
    scale = 100 if is_share(m) else 1
    rows = table.loc[table["horizon_months"] == horizon]
    if names is not None:
        rows = rows.set_index("variant_name").loc[list(names)].reset_index()
    gain = scale * rows[m.column].to_numpy(float)
    lo = scale * rows[f"{m.column}_lo"].to_numpy(float)
    hi = scale * rows[f"{m.column}_hi"].to_numpy(float)
    y = np.arange(len(rows))[::-1]
    fig, ax = plt.subplots(figsize=SLIDE)
    colors = ["tab:blue" if g >= 0 else "tab:red" for g in np.nan_to_num(gain)]
    ax.barh(y, gain, color=colors, alpha=0.8, height=0.6)
    err = np.vstack([gain - lo, hi - gain])
    ok = np.all(np.isfinite(err), axis=0)
    ax.errorbar(gain[ok], y[ok], xerr=err[:, ok], fmt="none", ecolor="black", elinewidth=1.5, capsize=5)
    width = 60 if len(rows) > 6 else 45
    labels = [textwrap.shorten(f"{n}", 2 * width if len(rows) > 6 else 3 * width, placeholder=" ...")
              for n in rows["variant_name"]]
    labels = [textwrap.fill(t, width, break_long_words=False) for t in labels]
    if numbers is not None:
        labels = [f"{k}. {t}" for k, t in zip(numbers, labels)]
    ax.set_yticks(y, labels, fontsize=12 if len(rows) > 8 else 14)
    for yi, g, h in zip(y, gain, np.where(np.isfinite(hi), hi, gain)):
        if np.isfinite(g):
            ax.annotate(bare(m, g / scale), (max(g, h, 0), yi), xytext=(8, 0), textcoords="offset points",
                        va="center", fontsize=15)
    ax.axvline(0, color="grey", lw=1)
    right = np.nanmax(np.concatenate([hi[np.isfinite(hi)], gain[np.isfinite(gain)], [0.0]]))
    left = np.nanmin(np.concatenate([lo[np.isfinite(lo)], gain[np.isfinite(gain)], [0.0]]))
    if right - left < 1e-6:  # nothing gained anywhere: a readable axis around zero
        left, right = -1.0, 1.0
    ax.set_xlim(left - 0.05 * (right - left), right + 0.15 * (right - left))
    level = float(rows["level"].iloc[0]) if len(rows) else 0.9
    cur = str(rows["currency"].iloc[0]) if m.money and len(rows) and pd.notna(rows["currency"].iloc[0]) else ""
    ax.set_xlabel(w.axis + (f" ({cur})" if cur else ""), fontsize=16)
    ax.tick_params(axis="x", labelsize=15)
    ax.set_title(f"{w.title} after {when(horizon)}\n(bar: average over paired runs; "
                 f"black line: {100 * level:g} % confidence interval)", fontsize=17, loc="left")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


@dataclass
class Figure:
    """A finished figure: its slide files and its PNG for the page."""

    title: str
    caption: str
    png: bytes
    paths: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Output:
    """Where and how the slide figures are written."""

    folder: Path
    formats: tuple[str, ...] = ("png", "svg")
    dpi: int = SLIDE_DPI


def finish(fig: plt.Figure, name: str, out: Output, title: str, caption: str) -> Figure:
    """Write ``fig`` in every format of ``out`` as ``name``, close it, and keep its PNG for the page."""
    paths = []
    for fmt in out.formats:
        path = out.folder / f"{name}.{fmt}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=out.dpi)
        paths.append(path)
    if "png" in out.formats:  # the page embeds the slide's own PNG
        png = paths[list(out.formats).index("png")].read_bytes()
    else:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        png = buf.getvalue()
    plt.close(fig)
    return Figure(title, caption, png, paths)
