"""The live chart: a Matplotlib background drawn once per run, the moving curves drawn as SVG.

Redrawing a three-panel Matplotlib figure takes 0.1-0.3 s, which would cap
playback at a few months per second. So each run's figure — axes, ticks,
titles, legend and the whole no-intervention baseline — is rendered once to a
PNG (:func:`background`), and every step only sends the run's curves so far
as an SVG polyline laid exactly over it (:func:`overlay`), in the figure's
own pixel coordinates taken from Matplotlib's data-to-pixel transform. A
frame then costs about a millisecond.

The y-axes are fixed for the whole run, so nothing rescales while the room
watches; their tops come from the baseline and from one run of the same
scenario to the horizon (kernel, ~0.1 s), made when the chart is first drawn.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

from ..model import AdoptionModel  # noqa: E402
from .band import Band  # noqa: E402
from .model import DashboardModel, Trajectory, trajectory  # noqa: E402

SCENARIO_COLOR = "#1f6fb4"
BAND_OPACITY = 0.18
BASELINE_COLOR = "#8c8c8c"
SIZE = (13.0, 4.3)  # inches
# What a panel says when neither run has anything to draw on it (rather than an empty 0-1 axis).
NOTHING = ("No firm adopts in\nthis run or without levers", "No water is saved in\nthis run or without levers",
           "No public money is spent\nwith these levers")
DPI = 110


@dataclass(frozen=True)
class Panel:
    """One panel's data-to-pixel map: ``px = x0 + sx * x``, ``py = y0 + sy * y`` (SVG, y down); ``top``: its y limit."""

    x0: float
    sx: float
    y0: float
    sy: float
    top: float = np.inf

    def points(self, x: np.ndarray, y: np.ndarray) -> str:
        px, py = self.x0 + self.sx * x, self.y0 + self.sy * y
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py))


@dataclass(frozen=True)
class Background:
    """A run's static figure (PNG as a data URI), its pixel size and the panels' maps."""

    src: str
    width: int
    height: int
    panels: tuple[Panel, ...]
    money: float = 1e6  # currency units per unit of the public-money axis


def _series(t: Trajectory, money: float = 1e6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adoption share, water saved (million m³/yr), public money (in units of ``money``)."""
    return t.adoption_share, t.water_saved / 1e6, t.public_cost / money


def _tick(v: float, _=None) -> str:
    """Plain numbers on the axes: ``1,500``, ``2.5``, ``0.04`` (never ``1.5e+03``)."""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def _top(*arrays: np.ndarray) -> float:
    top = max((float(np.nanmax(a)) for a in arrays if len(a)), default=0.0)
    return top * 1.12 if top > 0 else 1.0


def _full_run(model: DashboardModel) -> Trajectory:
    """The same scenario run to its horizon with the kernel (only for the axis limits)."""
    copy = AdoptionModel(model.config, engine="numba").run()
    return trajectory(copy, copy.config.months)


def background(model: DashboardModel) -> Background:
    """Axes, labels and the baseline of ``model``'s run, as one PNG."""
    base, full = model.baseline, _full_run(model)
    cur = model.profile.profile.currency
    months = model.config.months
    money, word = (1e9, "billion") if max(base.public_cost[-1], full.public_cost[-1]) >= 1e9 else (1e6, "million")
    x = np.arange(months + 1) / 12
    fig = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3)
    titles = ("Share of firms that adopted", "Water saved (million m³ a year)",
              f"Public money spent ({word} {cur})")
    formats = (PercentFormatter(1.0, decimals=0), FuncFormatter(_tick), FuncFormatter(_tick))
    for ax, yb, yf, title, fmt, none in zip(axes, _series(base, money), _series(full, money), titles, formats,
                                            NOTHING):
        ax.plot(x[: len(yb)], yb, color=BASELINE_COLOR, lw=2.2, ls="--")
        ax.set_xlim(0, months / 12)
        ax.set_ylim(0, min(1.0, _top(yb, yf)) if ax is axes[0] else _top(yb, yf))  # a share stops at 100 %
        ax.yaxis.set_major_formatter(fmt)
        ax.set_title(title, fontsize=15, loc="left")
        ax.set_xlabel("years from start", fontsize=13)
        ax.tick_params(labelsize=12)
        ax.grid(alpha=0.3)
        if _top(yb, yf) == 1.0 and not np.any(yb) and not np.any(yf):  # nothing to draw: say so, no bare axis
            ax.set_yticks([0])
            ax.text(0.5, 0.5, none, transform=ax.transAxes, ha="center", va="center", fontsize=14,
                    color="#555", wrap=True)
    fig.legend(handles=[Line2D([], [], color=BASELINE_COLOR, lw=2.2, ls="--", label="no intervention"),
                        Line2D([], [], color=SCENARIO_COLOR, lw=3, label="with the levers set")],
               fontsize=13, frameon=False, loc="upper right", ncols=2)
    fig.tight_layout(rect=(0, 0, 1, 0.93))  # the legend above the panels, clear of the curves
    fig.canvas.draw()  # fixes the layout, so the transforms below are final
    width, height = fig.canvas.get_width_height()
    panels = []
    for ax in axes:
        (ax_, ay_), (bx_, by_) = ax.transData.transform([(0.0, 0.0), (1.0, 1.0)])
        panels.append(Panel(ax_, bx_ - ax_, height - ay_, -(by_ - ay_), ax.get_ylim()[1]))  # SVG y runs down
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    src = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return Background(src, width, height, tuple(panels), money)


def background_of(model: DashboardModel) -> Background:
    """The run's background, made on first use and kept on the model."""
    bg = getattr(model, "_dashboard_background", None)
    if bg is None:
        bg = background(model)
        model._dashboard_background = bg
    return bg


def band_polygon(band: Band, panel: Panel) -> str:
    """SVG polygon of ``band`` over its whole horizon on the adoption ``panel`` (cut at the panel's top)."""
    x = np.arange(band.months + 1) / 12
    lo, hi = np.minimum(band.lo, panel.top), np.minimum(band.hi, panel.top)
    pts = panel.points(np.concatenate([x, x[::-1]]), np.concatenate([hi, lo[::-1]]))
    return (f'<polygon class="adoptsim-band" points="{pts}" fill="{SCENARIO_COLOR}" '
            f'fill-opacity="{BAND_OPACITY}" stroke="none"/>')


def overlay(model: DashboardModel, bg: Background, band: Band | None = None) -> str:
    """SVG of the run's curves up to the current month, in ``bg``'s pixel coordinates; ``band`` behind them."""
    now = model.now
    x = np.arange(len(now.adoption_share)) / 12
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {bg.width} {bg.height}" '
             'width="100%" height="100%" preserveAspectRatio="none">']
    if band is not None:
        parts.append(band_polygon(band, bg.panels[0]))
    for i, (panel, y) in enumerate(zip(bg.panels, _series(now, bg.money))):
        pts = panel.points(x, y)
        parts.append(f'<polyline class="adoptsim-curve-{i}" points="{pts}" fill="none" stroke="{SCENARIO_COLOR}" '
                     'stroke-width="3.3" stroke-linejoin="round" stroke-linecap="round"/>')
        cx, cy = panel.x0 + panel.sx * x[-1], panel.y0 + panel.sy * y[-1]
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{SCENARIO_COLOR}"/>')
    parts.append("</svg>")
    return "".join(parts)
