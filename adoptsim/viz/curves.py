"""The adoption curve: share of firms that adopted, over years, by option."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import PercentFormatter

from ..outcomes import atomic_path
from ..profiles import Profile


def adoption_figure(frame: pd.DataFrame, profile: Profile, *, title: str = "") -> plt.Figure:
    """Two panels: adoption by option (left), water saved and public cost (right)."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    years = frame["year"]
    ax.plot(years, frame["share_adopted"], color="black", lw=2.5, label="any cleaner option")
    ax.plot(years, frame["share_aware"], color="grey", lw=1.2, ls="--", label="aware of the options")
    for name, opt in profile.technologies.items():
        ax.plot(years, frame[f"share_option_{name}"], lw=1.5, label=opt.label)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("years from start")
    ax.set_ylabel("share of firms")
    ax.set_title("Share of firms that adopted", fontsize=10, loc="left")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    ax2.plot(years, frame["water_saved_m3_per_year"] / 1e6, color="tab:blue", lw=2)
    ax2.set_xlabel("years from start")
    ax2.set_ylabel("water saved (million m³ per year)", color="tab:blue")
    ax2.grid(alpha=0.3)
    ax2.set_ylim(bottom=0)
    if frame["public_cost_cumulative"].iloc[-1] > 0:
        cost = ax2.twinx()
        cost.plot(years, frame["public_cost_cumulative"] / 1e6, color="tab:red", lw=1.5, ls="-.")
        cost.set_ylabel(f"public money spent (million {profile.profile.currency})", color="tab:red")
        cost.set_ylim(bottom=0)
        ax2.set_title("Water saved (blue) and public money spent (red)", fontsize=10, loc="left")
    else:
        ax2.set_title("Water saved (no public money spent)", fontsize=10, loc="left")
    heading = profile.profile.title if not title else f"{title} — {profile.profile.title}"
    fig.suptitle(heading, fontsize=11, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def save_figure(fig: plt.Figure, path: str | Path, dpi: int = 150) -> Path:
    """Save atomically and close the figure."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or "png")
    plt.close(fig)
    return path
