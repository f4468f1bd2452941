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
        """One row per pattern: its pass rate over seed sets x parameter sets with a 95 % Wilson interval,
        and its effect size (mean over the same runs) with a 90 % bootstrap interval.

        ``runs`` counts checks (each a replicated experiment on one seed set and parameter set);
        ``draws`` counts parameter sets. For a contrast pattern ``contrast`` says what the effect
        compares and ``contrast_verdict`` whether its interval is above 0 ("supported"), below
        ("contradicted") or straddles it ("unclear").
        """
        rows = []
        for number, results in sorted(self.by_pattern().items()):
            k, n = sum(r.reproduced for r in results), len(results)
            lo, hi = wilson_interval(k, n)
            effects = np.array([r.effect_value for r in results])
            e_lo, e_hi = bootstrap_interval(effects)
            first = results[0]
            rows.append(dict(pattern=number, title=first.title, runs=n, draws=len({r.draw for r in results}),
                             reproduced_runs=k, pass_rate=k / n, pass_low=lo, pass_high=hi,
                             effect=first.effect_key, effect_mean=float(np.mean(effects)), effect_low=e_lo,
                             effect_high=e_hi, contrast=first.contrast,
                             contrast_verdict=_sign_verdict(e_lo, e_hi) if first.contrast else "",
                             statistic=first.headline[0], value=float(np.median([r.value for r in results])),
                             threshold=first.threshold))
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """One row per pattern and parameter set (what ``patterns.csv`` holds)."""
        return pd.DataFrame([dict(pattern=r.number, title=r.title, draw=r.draw, seed_set=r.seed_set,
                                  reproduced=r.reproduced, effect=r.effect_key, effect_value=r.effect_value,
                                  statistic=r.headline[0], value=r.value,
                                  key_statistics="; ".join(f"{k} = {_fmt(r.statistics[k])}" for k in r.headline),
                                  threshold=r.threshold,
                                  explanation=r.explanation, not_modelled=r.not_modelled,
                                  statistics=json.dumps(r.statistics),
                                  parameters=json.dumps(self.parameter_sets[r.draw], default=str))
                             for r in self.results])

    def __str__(self) -> str:
        return markdown(self)


def wilson_interval(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval (95 % by default) for a pass rate of ``k`` in ``n``; (nan, nan) when n = 0."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


BOOTSTRAP = 2000  # resamples; seeded, so the report does not move between runs


def bootstrap_interval(values: np.ndarray, level: float = 0.9, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (nan with fewer than two finite values)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(BOOTSTRAP, len(values)), replace=True).mean(axis=1)
    tail = (1 - level) / 2
    lo, hi = np.quantile(means, [tail, 1 - tail])
    return float(lo), float(hi)


def _sign_verdict(lo: float, hi: float) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "unclear (too few runs for an interval)"
    return "supported" if lo > 0 else "contradicted" if hi < 0 else "unclear"


def _rate(k: int, n: int) -> str:
    lo, hi = wilson_interval(k, n)
    return f"{k}/{n} ({100 * k / n:.0f} %; 95 % CI {100 * lo:.0f}-{100 * hi:.0f} %)"


def coverage(heldout: pd.DataFrame | None) -> tuple[int, int]:
    """Held-out figures compared, and how many of their observed values lie inside the model's 5-95 % range."""
    if heldout is None or heldout.empty or "status" not in heldout:
        return 0, 0
    rows = heldout[heldout["status"] == "compared"]
    inside = ((rows["observed"] >= rows["predicted_low"]) & (rows["observed"] <= rows["predicted_high"])).sum()
    return int(inside), int(len(rows))


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
             "Each pattern (docs/PATTERNS.md) is checked by a small replicated experiment; the check runs again "
             "on independent sets of seeds (and on every parameter set drawn), so each pattern has a **pass rate** "
             "(with a 95 % Wilson interval) rather than one seed-dependent yes or no, and an **effect size**: the "
             "mean of its key statistic over the same checks, with a 90 % bootstrap interval. Where the pattern "
             "is a contrast (finance helps small firms more than medium ones; social influence makes the S), the "
             "contrast itself is the effect, and the verdict is its sign: supported when the interval is above 0.",
             "", "| # | pattern | pass rate | effect (90 % interval) | contrast | criterion |",
             "|---|---|---|---|---|---|"]
    grouped = report.by_pattern()
    summary = report.summary().set_index("pattern")
    for number, results in sorted(grouped.items()):
        row = summary.loc[number]
        effect = f"{row.effect} = {_fmt(row.effect_mean)}"
        if np.isfinite(row.effect_low):
            effect += f" ({_fmt(row.effect_low)} to {_fmt(row.effect_high)})"
        contrast = f"{row.contrast_verdict}: {row.contrast}" if row.contrast else ""
        lines.append(f"| {number} | {results[0].title} | {_rate(int(row.reproduced_runs), int(row.runs))} | "
                     f"{effect} | {contrast} | {results[0].threshold} |")
    lines += ["", "## What happens in each experiment", ""]
    for number, results in sorted(grouped.items()):
        r = results[0]
        verdict = "reproduced" if r.reproduced else "not reproduced"
        lines.append(f"{number}. **{r.short}** (first seed set{'' if n_sets == 1 else ', first draw'}: {verdict}): "
                     f"{r.explanation}" + (f" Not modelled: {r.not_modelled}." if r.not_modelled else ""))
    lines += ["", "## Held-out settings (Kanpur, Taihu)", ""]
    if report.heldout is None or report.heldout.empty:
        lines.append("Not run (see the notes below).")
    else:
        inside, compared = coverage(report.heldout)
        if compared:
            lines += [f"**Coverage**: {inside} of {compared} held-out figures compared lie inside the model's "
                      "5-95 % range of runs (a well-calibrated 90 % range covers about 90 %).", ""]
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
