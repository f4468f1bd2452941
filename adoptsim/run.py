"""One scenario, start to finish: simulate, tabulate, summarise, write."""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .model import AdoptionModel, Engine
from .outcomes import format_summary, provenance, series_frame, summarise, write_frame, write_json
from .scenario import Scenario


@dataclass
class RunResult:
    """A finished run: the monthly table, its headline summary and the model."""

    frame: pd.DataFrame
    summary: dict
    model: AdoptionModel

    @property
    def scenario(self) -> Scenario:
        return self.model.config

    def __str__(self) -> str:
        return format_summary(self.summary, self.scenario)

    def __repr__(self) -> str:
        s = self.summary
        return (f"<RunResult {s['scenario']!r}: {s['cluster']}, {s['firms']:,} firms, {s['months']} months; "
                f"{s['share_adopted']:.1%} adopted>")

    def headline(self) -> pd.DataFrame:
        """The headline summary as a small table: plain label, value as text, unit (one row each)."""
        return pd.DataFrame(headline_rows(self.summary), columns=["outcome", "value", "unit"])

    def _repr_markdown_(self) -> str:
        rows = headline_rows(self.summary)
        lines = [f"**{_title(self.summary)}**", "", "| outcome | value | unit |", "|---|--:|---|"]
        lines += [f"| {label} | {value} | {unit} |" for label, value, unit in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The headline table and a small adoption curve (inline PNG), for Jupyter."""
        esc = html.escape
        body = "".join(f"<tr><td style='text-align:left'>{esc(label)}</td><td style='text-align:right'>{esc(value)}"
                       f"</td><td style='text-align:left'>{esc(unit)}</td></tr>"
                       for label, value, unit in headline_rows(self.summary))
        table = ("<table class='adoptsim-run'><thead><tr><th style='text-align:left'>outcome</th>"
                 "<th style='text-align:right'>value</th><th style='text-align:left'>unit</th></tr></thead>"
                 f"<tbody>{body}</tbody></table>")
        png = base64.b64encode(curve_png(self.frame)).decode("ascii")
        img = (f"<img src='data:image/png;base64,{png}' alt='share of firms that adopted, by month' "
               "style='max-width:420px'>")
        return (f"<div class='adoptsim-result'><p><strong>{esc(_title(self.summary))}</strong></p>"
                f"<div style='display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start'>{table}{img}</div></div>")


def _title(summary: dict) -> str:
    return f"{summary['scenario']} ({summary['cluster']}, {summary['firms']:,} firms, {summary['months']} months)"


def _month(t: float) -> str:
    return "not reached" if math.isnan(t) else f"{int(t)}"


def headline_rows(summary: dict) -> list[tuple[str, str, str]]:
    """(label, value, unit) of each headline number of :func:`~adoptsim.outcomes.summarise`, as text.

    Shares are in per cent, money in the cluster's currency; the same numbers
    as ``str(result)``.
    """
    s, cur = summary, summary["currency"]
    num = lambda x: f"{x:,.0f}"  # noqa: E731
    per = lambda x: "–" if math.isnan(x) else f"{x:,.2f}" if abs(x) < 100 else num(x)  # noqa: E731
    rows = [
        ("Firms at the start", f"{s['firms']:,}", "firms"),
        ("Months simulated", f"{s['months']}", "months"),
        ("Firms aware of cleaner production", f"{100 * s['share_aware']:.1f}", "% of firms"),
        ("Firms that adopted something", f"{100 * s['share_adopted']:.1f}", "% of firms"),
        ("Adoption reached 20 %", _month(s["months_to_20pct"]), "month"),
        ("Adoption reached 50 %", _month(s["months_to_50pct"]), "month"),
        ("Water saved", num(s["water_saved_m3_per_year"]), "m³/yr"),
        ("Chemicals avoided", num(s["chemicals_avoided_t_per_year"]), "t/yr"),
        ("Firms compliant at the end", f"{s['firms_compliant']:,}", "firms"),
    ]
    moved = s["firms_relocated_park"] + s["firms_relocated_out"] + s["firms_closed"]
    if moved:
        rows += [("Firms moved to a park", f"{s['firms_relocated_park']:,}", "firms"),
                 ("Firms moved out", f"{s['firms_relocated_out']:,}", "firms"),
                 ("Firms closed", f"{s['firms_closed']:,}", "firms")]
    if s["treatment_installed_m3_per_year"] > 0:
        rows += [("Treatment capacity installed", num(s["treatment_installed_m3_per_year"]), "m³/yr"),
                 ("Treatment capacity operating", num(s["treatment_operating_m3_per_year"]), "m³/yr")]
    rows += [
        ("Pollution load discharged", num(s["pollution_load_m3eq_per_year"]), "m³-eq/yr"),
        *([("Organic load (COD) discharged", num(s["organic_load_cod_t_per_year"]), "t/yr")]
          if s["organic_load_cod_t_per_year"] > 0 else []),
        ("Firms' investment", num(s["private_investment"]), cur),
        ("Public money spent", num(s["public_cost"]), cur),
        ("Public money per extra adopter", per(s["public_cost_per_adopter"]), f"{cur} per firm"),
        ("Public money per m³/yr of water saved", per(s["public_cost_per_m3_per_year"]), f"{cur} per m³/yr"),
    ]
    return rows


def curve_png(frame: pd.DataFrame, *, dpi: int = 80) -> bytes:
    """A small PNG of the share of firms aware and that adopted, by year (no pyplot state)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    fig = Figure(figsize=(5, 2.8))
    ax = fig.add_subplot()
    ax.plot(frame["year"], frame["share_adopted"], color="black", lw=2, label="adopted something")
    ax.plot(frame["year"], frame["share_aware"], color="grey", lw=1, ls="--", label="aware")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("years from start")
    ax.set_ylabel("share of firms")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def tabulate(model: AdoptionModel) -> pd.DataFrame:
    """The model's monthly series as a DataFrame (group shares over group sizes)."""
    f, prof = model.firms, model.profile
    return series_frame(
        model.series, prof, model.n_firms,
        np.bincount(f.sector, minlength=len(prof.sectors)),
        np.bincount(f.size_class, minlength=3),
        np.bincount(f.member.astype(np.int64), minlength=2),
    )


def run(scenario: Scenario | str | Path | None = None, *, engine: Engine = "numba", **overrides) -> RunResult:
    """Run a scenario (object, TOML path, or None for the default) to its horizon."""
    model = AdoptionModel(scenario, engine=engine, **overrides).run()
    frame = tabulate(model)
    return RunResult(frame, summarise(frame, model.config, model.profile), model)


def write_run(result: RunResult, out_dir: str | Path, *, figure: bool = True) -> list[Path]:
    """Write series (Parquet + CSV), summary JSON and the adoption-curve figure."""
    out_dir = Path(out_dir)
    meta = provenance(result.scenario, result.model.profile)
    paths = write_frame(result.frame, out_dir, "series", meta)
    paths.append(write_json({**result.summary, "provenance": meta}, out_dir / "summary.json"))
    if figure:
        from .viz import adoption_figure, save_figure

        fig = adoption_figure(result.frame, result.model.profile, title=result.scenario.name)
        paths.append(save_figure(fig, out_dir / "adoption.png"))
    return paths
