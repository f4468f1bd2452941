"""The validation report: every result in one object, the plain-language report.md and the files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..outcomes import atomic_path
from .results import PatternResult


@dataclass
class ValidationReport:
    """Every pattern result (one per pattern and parameter set), the held-out table and what was missing."""

    results: list[PatternResult]
    parameter_sets: list[dict[str, Any]]
    source: str                             # where the parameter sets came from
    heldout: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def by_pattern(self) -> dict[int, list[PatternResult]]:
        out: dict[int, list[PatternResult]] = {}
        for r in self.results:
            out.setdefault(r.number, []).append(r)
        return out

    def summary(self) -> pd.DataFrame:
        """One row per pattern: how many parameter sets reproduce it and the median key statistic."""
        rows = []
        for number, results in sorted(self.by_pattern().items()):
            k = sum(r.reproduced for r in results)
            rows.append(dict(pattern=number, title=results[0].title, draws=len(results), reproduced_draws=k,
                             share_reproduced=k / len(results), statistic=results[0].headline[0],
                             value=float(np.median([r.value for r in results])), threshold=results[0].threshold))
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """One row per pattern and parameter set (what ``patterns.csv`` holds)."""
        return pd.DataFrame([dict(pattern=r.number, title=r.title, draw=r.draw, reproduced=r.reproduced,
                                  statistic=r.headline[0], value=r.value,
                                  key_statistics="; ".join(f"{k} = {_fmt(r.statistics[k])}" for k in r.headline),
                                  threshold=r.threshold,
                                  explanation=r.explanation, not_modelled=r.not_modelled,
                                  statistics=json.dumps(r.statistics),
                                  parameters=json.dumps(self.parameter_sets[r.draw], default=str))
                             for r in self.results])

    def __str__(self) -> str:
        return markdown(self)


def _verdict(k: int, n: int) -> str:
    if n == 1:
        return "yes" if k else "no"
    return "yes (all draws)" if k == n else "no (no draw)" if k == 0 else f"in {k} of {n} draws"


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return str(x)
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def markdown(report: ValidationReport) -> str:
    """The plain-language report (``report.md``)."""
    from .. import __version__

    n_sets = len(report.parameter_sets)
    lines = [f"# Does adoptsim {__version__} reproduce the patterns of a credible model?", "",
             f"Parameter set{'s' if n_sets > 1 else ''}: {report.source}.", "",
             "Each pattern (MODEL.md, pattern-oriented validation) is checked by a small replicated experiment "
             "with fixed seeds; 'reproduced' means the criterion in the last column holds.", "",
             "| # | pattern | reproduced | key statistic | criterion |", "|---|---|---|---|---|"]
    grouped = report.by_pattern()
    for number, results in sorted(grouped.items()):
        k = sum(r.reproduced for r in results)
        stat = "; ".join(f"{key} = {', '.join(_fmt(r.statistics[key]) for r in results)}"
                         for key in results[0].headline)
        lines.append(f"| {number} | {results[0].title} | {_verdict(k, len(results))} | {stat} | "
                     f"{results[0].threshold} |")
    lines += ["", "## What happens in each experiment", ""]
    for number, results in sorted(grouped.items()):
        r = results[0]
        verdict = "reproduced" if r.reproduced else "not reproduced"
        lines.append(f"{number}. **{r.short}** ({verdict if n_sets == 1 else 'first draw: ' + verdict}): "
                     f"{r.explanation}" + (f" Not modelled: {r.not_modelled}." if r.not_modelled else ""))
    lines += ["", "## Held-out settings (Kanpur, Taihu)", ""]
    if report.heldout is None or report.heldout.empty:
        lines.append("Not run (see the notes below).")
    else:
        lines += ["Figures from the targets file that were not used to calibrate. Engagement counts (firms "
                  "assessed, demonstration sites, firms in the association) are inputs of the held-out settings, "
                  "not outcomes, so they are listed but not compared.", "",
                  "| cluster | quantity | month | observed (interval) | predicted (5-95 % of runs) | result |",
                  "|---|---|---|---|---|---|"]
        for _, h in report.heldout.iterrows():
            pred = ("" if not np.isfinite(h["predicted_mean"]) else
                    f"{_fmt(h['predicted_mean'])} ({_fmt(h['predicted_low'])}-{_fmt(h['predicted_high'])})")
            obs = "" if pd.isna(h["observed"]) else _fmt(float(h["observed"]))
            if obs and np.isfinite(h["low"]) and np.isfinite(h["high"]):
                obs += f" ({_fmt(h['low'])}-{_fmt(h['high'])})"
            month = "" if pd.isna(h["month"]) else str(int(h["month"]))
            lines.append(f"| {h['cluster']} | {h['quantity']} | {month} | {obs} | {pred} | "
                         f"{h['status']}: {h['reason']} |")
    if report.notes:
        lines += ["", "## Not available", ""] + [f"- {n}" for n in report.notes]
    lines += ["", "![One panel per pattern](patterns.png)", "",
              f"Run time {report.seconds:.0f} s."]
    return "\n".join(lines) + "\n"


def write_report(report: ValidationReport, out_dir: str | Path, *, figure: bool = True) -> list[Path]:
    """Write patterns.csv, heldout.csv (if any), patterns.png and report.md atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    with atomic_path(out / "patterns.csv") as tmp:
        report.table().to_csv(tmp, index=False)
    files.append(out / "patterns.csv")
    if report.heldout is not None:
        with atomic_path(out / "heldout.csv") as tmp:
            report.heldout.to_csv(tmp, index=False)
        files.append(out / "heldout.csv")
    else:
        (out / "heldout.csv").unlink(missing_ok=True)  # a file left by an earlier run would mislead
    if figure:
        from ..viz.curves import save_figure
        from ..viz.patterns import patterns_figure

        files.append(save_figure(patterns_figure(report.results, title=f"Parameter sets: {report.source}"),
                                 out / "patterns.png"))
    else:
        (out / "patterns.png").unlink(missing_ok=True)
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text(markdown(report))
    files.append(out / "report.md")
    return files
