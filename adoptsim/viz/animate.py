"""Animated adoption curves for slides that cannot run the dashboard.

``adoptsim animate SCENARIO [SCENARIO ...] --out FILE.gif`` runs each
scenario once and draws the share of firms that adopted growing month by
month, one line per scenario with its current value written at its tip and a
year counter in the corner; the last frame is held so the room can read the
end point. A GIF plays everywhere (Pillow, which ships with Matplotlib);
``.mp4`` needs ffmpeg on the PATH.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import animation
from matplotlib.ticker import PercentFormatter

from ..scenario import Scenario, load_base

SIZE = (12.8, 7.2)  # inches: 16:9
COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive")


class AnimateError(ValueError):
    """Arguments the animation cannot use; the message says what is allowed."""


def resolve(ref: str | Path | Scenario) -> Scenario:
    """A scenario object, a scenario TOML file, or a shipped cluster name (its no-intervention baseline)."""
    if isinstance(ref, Scenario):
        return ref
    return load_base(str(ref), Path.cwd() / "_", f"animate: {ref}")


def line_names(scenarios: Sequence[Scenario]) -> list[str]:
    """Legend names: file names in words, without the cluster when all share it (it is in the subtitle)."""
    clusters = {Path(s.cluster).stem for s in scenarios}
    names = []
    for s in scenarios:
        words = s.name.replace("-", " ").replace("_", " ").strip()
        if len(clusters) == 1 and words.lower().startswith(next(iter(clusters)).lower() + " "):
            words = words[len(next(iter(clusters))) + 1:]
        if words.lower() in ("baseline", "default", Path(s.cluster).stem.lower()):
            words = "no intervention (baseline)"
        names.append(words[:1].upper() + words[1:])
    if len(set(names)) < len(names):  # same name twice: tell them apart by cluster
        names = [f"{n} ({Path(s.cluster).stem})" for n, s in zip(names, scenarios)]
    return names


def _curves(scenarios: Sequence[Scenario], engine: str) -> list[np.ndarray]:
    from ..model import AdoptionModel

    out = []
    for s in scenarios:
        model = AdoptionModel(s, engine=engine).run()
        out.append(np.asarray(model.series.adopters[: s.months + 1], dtype=float) / model.n_firms)
    return out


def adoption_animation(scenarios: Sequence[Scenario], *, months_per_frame: int = 1, hold_frames: int = 0,
                       engine: str = "numba", dpi: int = 100) -> animation.FuncAnimation:
    """The animation object (draw it with any Matplotlib writer); see :func:`animate`."""
    if not scenarios:
        raise AnimateError("animate: give at least one scenario")
    if months_per_frame < 1:
        raise AnimateError(f"animate: months_per_frame must be >= 1, got {months_per_frame}")
    curves = _curves(scenarios, engine)
    horizon = max(s.months for s in scenarios)
    from ..profiles import load_profile

    titles = list(dict.fromkeys(load_profile(s.cluster).profile.title for s in scenarios))
    names = line_names(scenarios)
    from ..scenario import Levers

    plain = [s.levers == Levers() for s in scenarios]  # no lever set: drawn as the grey dashed reference

    fig, ax = plt.subplots(figsize=SIZE, dpi=dpi)
    top = max(float(c.max()) for c in curves)
    ax.set_xlim(0, horizon / 12 * 1.22)  # room at the right for the labels at the tips
    ax.set_ylim(0, min(1.0, top * 1.15) if top > 0 else 0.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xticks(np.arange(0, horizon / 12 + 1e-9, max(1, round(horizon / 120))))
    ax.set_xlabel("years from start", fontsize=18)
    ax.set_ylabel("share of firms that adopted", fontsize=18)
    ax.tick_params(labelsize=16)
    ax.grid(alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("Firms that adopted cleaner production", fontsize=22, loc="left", pad=34)
    ax.text(0, 1.015, textwrap.shorten(" · ".join(titles), 120), transform=ax.transAxes, fontsize=14,
            color="dimgrey", va="bottom")
    lines, dots, tips = [], [], []
    colors = iter(COLORS * len(names))
    for name, base in zip(names, plain):
        color = "dimgrey" if base else next(colors)
        (line,) = ax.plot([], [], lw=3 if base else 3.5, ls="--" if base else "-", color=color,
                          label=textwrap.shorten(name, 60))
        (dot,) = ax.plot([], [], "o", ms=10, color=color)
        tip = ax.text(0, 0, "", fontsize=16, color=color, fontweight="bold", va="center")
        lines.append(line)
        dots.append(dot)
        tips.append(tip)
    ax.legend(loc="upper left", fontsize=15, frameon=False)
    clock = ax.text(0.99, 0.04, "", transform=ax.transAxes, ha="right", fontsize=28, color="dimgrey")
    fig.tight_layout()

    months = list(range(0, horizon + 1, months_per_frame))
    if months[-1] != horizon:
        months.append(horizon)
    frames = months + [horizon] * hold_frames

    gap = 0.05 * ax.get_ylim()[1]  # tip labels at least this far apart, so close lines stay readable

    def draw(month: int):
        ends = []
        for curve, line, dot in zip(curves, lines, dots):
            m = min(month, len(curve) - 1)
            x = np.arange(m + 1) / 12
            line.set_data(x, curve[: m + 1])
            dot.set_data([x[-1]], [curve[m]])
            ends.append((x[-1], curve[m]))
        placed: list[float] = []
        for i in sorted(range(len(ends)), key=lambda i: ends[i][1]):
            x_end, y_end = ends[i]
            y = max([y_end] + [p + gap for p in placed])
            placed.append(y)
            tips[i].set_position((x_end + horizon / 12 * 0.015, y))
            tips[i].set_text(f"{y_end:.0%}")
        clock.set_text(f"year {month / 12:.1f}" if month % 12 else f"year {month // 12}")
        return [*lines, *dots, *tips, clock]

    return animation.FuncAnimation(fig, draw, frames=frames, blit=False, repeat=False)


def animate(scenarios: Sequence[str | Path | Scenario], out: str | Path, *, fps: int = 12,
            months_per_frame: int = 2, hold_seconds: float = 3.0, engine: str = "numba",
            dpi: int = 100) -> Path:
    """Write an animated adoption curve of one or several scenarios to ``out`` (.gif or .mp4).

    Parameters
    ----------
    scenarios
        Scenario objects, scenario TOML files, or shipped cluster names (their
        no-intervention baseline).
    out
        ``.gif`` (Pillow) or ``.mp4`` (ffmpeg).
    fps, months_per_frame
        Playback speed: the defaults play ten years in five seconds.
    hold_seconds
        How long the last frame stays before the GIF loops.
    engine, dpi
        Model engine; pixels per inch of the 12.8 x 7.2 in frame (100: 1280 x 720).

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    out = Path(out)
    fmt = out.suffix.lower()
    if fmt not in (".gif", ".mp4"):
        raise AnimateError(f"{out}: the animation file must end in .gif or .mp4 (e.g. --out curve.gif)")
    if not 1 <= fps <= 120:
        raise AnimateError(f"animate: fps must be from 1 to 120, got {fps}")
    if months_per_frame < 1:
        raise AnimateError(f"animate: months_per_frame must be >= 1, got {months_per_frame}")
    if out.is_dir():
        raise AnimateError(f"{out}: is a folder; give a file name ending in .gif or .mp4")
    if fmt == ".mp4" and not animation.writers.is_available("ffmpeg"):
        raise AnimateError("animate: writing .mp4 needs ffmpeg on the PATH (e.g. apt-get install ffmpeg); "
                         "or write a .gif")
    resolved = [resolve(s) for s in scenarios]
    anim = adoption_animation(resolved, months_per_frame=months_per_frame,
                              hold_frames=max(0, round(hold_seconds * fps)), engine=engine, dpi=dpi)
    writer = animation.PillowWriter(fps=fps) if fmt == ".gif" else animation.FFMpegWriter(fps=fps)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.partial{out.suffix}")  # the writers read the format from the suffix
    try:
        anim.save(str(tmp), writer=writer, dpi=dpi)
        os.replace(tmp, out)  # never a half-written animation under the final name
    finally:
        plt.close(anim._fig)
        tmp.unlink(missing_ok=True)
    return out


__all__ = ["AnimateError", "adoption_animation", "animate", "resolve"]
