"""What a calibration found: posterior summaries, identifiability, plots, predictive checks.

* :func:`posterior_summary`: per parameter the prior, the posterior median and
  90 % credible interval (weighted 5 % and 95 % quantiles of the last
  generation), mean and sd.
* :func:`identifiability`: posterior 90 % width / prior 90 % width per
  parameter, on the prior's own scale (log scale for log-uniform and lognormal
  priors), plus the parameter it is most correlated with in the posterior. A
  ratio near 1 means the targets say nothing about the parameter on its own;
  a strong correlation means they constrain it only in combination (a ridge).
* :func:`pairs_plot`: pairwise posterior scatter, marginal histograms against
  the prior density.
* :func:`predictive_check`: the fitted and checked targets simulated at
  posterior draws and at prior draws, against the observed intervals
  (CSV + PNG).

The ABC posterior is the posterior at the final tolerance, not the exact one:
with ``minimum_epsilon = 1`` (half-widths) it is the prior restricted to the
parameters whose simulations fall inside the observed intervals.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .problem import Problem

Q_LO, Q_HI = 0.05, 0.95


def weighted_quantile(values, weights, q):
    """Quantiles of a weighted sample (midpoint interpolation of the weighted CDF)."""
    values = np.asarray(values, float)
    weights = np.asarray(weights, float)
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, v)


def _scale(problem: Problem, name: str):
    return np.log if problem.parameters[name].log_scale else (lambda x: np.asarray(x, float))


def weighted_corr(x, y, w) -> float:
    w = np.asarray(w, float) / np.sum(w)
    mx, my = np.sum(w * x), np.sum(w * y)
    cov = np.sum(w * (x - mx) * (y - my))
    sx, sy = math.sqrt(np.sum(w * (x - mx) ** 2)), math.sqrt(np.sum(w * (y - my) ** 2))
    return float(cov / (sx * sy)) if sx > 0 and sy > 0 else math.nan


def posterior_summary(post: pd.DataFrame, problem: Problem) -> pd.DataFrame:
    rows = []
    w = post["weight"].to_numpy()
    for name, spec in problem.parameters.items():
        x = post[name].to_numpy()
        d = spec.scipy()
        q05, q50, q95 = weighted_quantile(x, w, [Q_LO, 0.5, Q_HI])
        mean = float(np.sum(w * x))
        rows.append({
            "parameter": name, "prior": spec.describe(), "median": q50, "q05": q05, "q95": q95, "mean": mean,
            "sd": math.sqrt(float(np.sum(w * (x - mean) ** 2))),
            "prior_median": float(d.ppf(0.5)), "prior_q05": float(d.ppf(Q_LO)), "prior_q95": float(d.ppf(Q_HI)),
            "prior_source": spec.source,
        })
    return pd.DataFrame(rows)


def prior_width_90(problem: Problem, name: str) -> float:
    """The prior's 90 % width of parameter ``name``, on the scale it is sampled on (log for log priors)."""
    f = _scale(problem, name)
    d = problem.parameters[name].scipy()
    return float(f(d.ppf(Q_HI)) - f(d.ppf(Q_LO)))


def identifiability(post: pd.DataFrame, problem: Problem) -> pd.DataFrame:
    rows = []
    w = post["weight"].to_numpy()
    names = list(problem.parameters)
    scaled = {n: _scale(problem, n)(post[n].to_numpy()) for n in names}
    for name, spec in problem.parameters.items():
        prior_w = prior_width_90(problem, name)
        lo, hi = weighted_quantile(scaled[name], w, [Q_LO, Q_HI])
        ratio = float((hi - lo) / prior_w)
        best, r_best = "", 0.0
        for other in names:
            if other == name:
                continue
            r = weighted_corr(scaled[name], scaled[other], w)
            if np.isfinite(r) and abs(r) > abs(r_best):
                best, r_best = other, r
        if ratio < 0.5:
            verdict = "informed by the targets"
        elif ratio < 0.85:
            verdict = "weakly informed"
        else:
            verdict = "not identified (posterior ~ prior)"
        if abs(r_best) >= 0.5:
            verdict += f"; constrained jointly with {best}"
        rows.append({"parameter": name, "scale": "log" if spec.log_scale else "linear",
                     "prior_width_90": prior_w, "posterior_width_90": float(hi - lo), "width_ratio": ratio,
                     "most_correlated_with": best, "correlation": r_best, "verdict": verdict})
    return pd.DataFrame(rows)


def _plot_range(problem: Problem, name: str) -> tuple[float, float]:
    d = problem.parameters[name].scipy()
    return float(d.ppf(0.002)), float(d.ppf(0.998))


def pairs_plot(post: pd.DataFrame, problem: Problem, path: Path, truth: dict | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    names = list(problem.parameters)
    k = len(names)
    w = post["weight"].to_numpy()
    fig, axes = plt.subplots(k, k, figsize=(2.3 * k + 0.6, 2.3 * k + 0.6), squeeze=False)
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i, j]
            xlo, xhi = _plot_range(problem, xj)
            xlog = problem.parameters[xj].log_scale
            if i == j:
                # densities per unit of the prior's scale (per unit log x for log-scale priors)
                spec = problem.parameters[xj]
                edges = np.geomspace(xlo, xhi, 31) if xlog else np.linspace(xlo, xhi, 31)
                mass, _ = np.histogram(post[xj], bins=edges, weights=w)
                widths = np.diff(np.log(edges)) if xlog else np.diff(edges)
                ax.bar(edges[:-1], mass / (w.sum() * widths), width=np.diff(edges), align="edge",
                       color="tab:blue", alpha=0.6, label="posterior")
                grid = np.geomspace(xlo, xhi, 200) if xlog else np.linspace(xlo, xhi, 200)
                prior_density = spec.scipy().pdf(grid) * (grid if xlog else 1.0)
                ax.plot(grid, prior_density, color="0.3", lw=1.2, ls="--", label="prior")
                ax.set_yticks([])
                if truth and xj in truth:
                    ax.axvline(truth[xj], color="tab:red", lw=1.2)
                if i == 0:
                    ax.legend(fontsize=7, frameon=False)
            elif i > j:
                ylo, yhi = _plot_range(problem, yi)
                ax.scatter(post[xj], post[yi], s=6, c="tab:blue", alpha=np.clip(w / w.max(), 0.05, 1.0),
                           linewidths=0)
                ax.set_ylim(ylo, yhi)
                if problem.parameters[yi].log_scale:
                    ax.set_yscale("log")
                if truth and xj in truth and yi in truth:
                    ax.plot(truth[xj], truth[yi], marker="x", color="tab:red", ms=8, mew=2)
            else:
                fx, fy = _scale(problem, xj), _scale(problem, yi)
                r = weighted_corr(fx(post[xj].to_numpy()), fy(post[yi].to_numpy()), w)
                ax.text(0.5, 0.5, f"r = {r:+.2f}", ha="center", va="center", fontsize=10,
                        color="tab:red" if abs(r) >= 0.5 else "0.3", transform=ax.transAxes)
                ax.set_xticks([])
                ax.set_yticks([])
                for s in ax.spines.values():
                    s.set_visible(False)
                continue
            ax.set_xlim(xlo, xhi)
            if xlog:
                ax.set_xscale("log")
                _plain_log_ticks(ax.xaxis)
            if i > j and problem.parameters[yi].log_scale:
                _plain_log_ticks(ax.yaxis)
            if i == k - 1:
                ax.set_xlabel(xj, fontsize=8)
            else:
                ax.set_xticklabels([])
            if j == 0 and i != j:
                ax.set_ylabel(yi, fontsize=8)
            elif i != j:
                ax.set_yticklabels([])
            ax.tick_params(labelsize=7)
    fig.suptitle(f"{problem.config.name}: posterior (blue) against prior (dashed); upper: weighted correlation",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def _plain_log_ticks(axis) -> None:
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=6))
    axis.set_major_formatter(FormatStrFormatter("%g"))
    axis.set_minor_formatter(NullFormatter())


def predictive_check(problem: Problem, post: pd.DataFrame, draws: int, seed: int) -> pd.DataFrame:
    """Simulate every checked target at ``draws`` posterior draws and ``draws`` prior draws."""
    sim = problem.simulator(problem.check)
    rng = np.random.default_rng(seed)
    names = list(problem.parameters)
    w = post["weight"].to_numpy()
    idx = rng.choice(len(post), size=draws, replace=True, p=w / w.sum())
    post_runs = [sim.simulate(dict(post.iloc[i][names]), salt=1 + k) for k, i in enumerate(idx)]
    prior_draws = {n: problem.parameters[n].scipy().rvs(size=draws, random_state=rng) for n in names}
    prior_runs = [sim.simulate({n: prior_draws[n][k] for n in names}, salt=10**6 + k) for k in range(draws)]
    fitted = {t.id for t in problem.fit}
    rows = []
    for t in problem.check:
        pv = np.array([r[t.id] for r in post_runs], float)
        qv = np.array([r[t.id] for r in prior_runs], float)
        pv_ok, qv_ok = pv[np.isfinite(pv)], qv[np.isfinite(qv)]
        p05, p50, p95 = np.quantile(pv_ok, [Q_LO, 0.5, Q_HI]) if pv_ok.size else (math.nan,) * 3
        r05, r50, r95 = np.quantile(qv_ok, [Q_LO, 0.5, Q_HI]) if qv_ok.size else (math.nan,) * 3
        inside = (pv_ok >= t.low) & (pv_ok <= t.high)
        inside_prior = (qv_ok >= t.low) & (qv_ok <= t.high)
        rows.append({
            "id": t.id, "role": "fitted" if t.id in fitted else t.role, "scenario": t.scenario,
            "quantity": t.quantity, "month": t.month, "unit": t.unit, "observed": t.value, "low": t.low,
            "high": t.high, "posterior_q05": p05, "posterior_median": p50, "posterior_q95": p95,
            "posterior_share_inside": float(inside.mean()) if pv_ok.size else math.nan,
            "prior_q05": r05, "prior_median": r50, "prior_q95": r95,
            "prior_share_inside": float(inside_prior.mean()) if qv_ok.size else math.nan,
            "verdict": _verdict(t.low, t.high, p05, p50, p95),
        })
    return pd.DataFrame(rows)


def _verdict(low, high, p05, p50, p95) -> str:
    if not np.isfinite(p50):
        return "no simulation"
    if low <= p50 <= high:
        return "median inside the observed interval"
    if p95 < low or p05 > high:
        return "MISS: 90 % predictive interval outside the observed interval"
    return "median outside, 90 % predictive interval overlaps"


def predictive_plot(table: pd.DataFrame, path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    n = len(table)
    cols = min(3, max(1, n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.6 * rows), squeeze=False)
    for ax, (_, r) in zip(axes.flat, table.iterrows()):
        ax.axhspan(r["low"], r["high"], color="tab:green", alpha=0.2, label="observed interval")
        if r["observed"] is not None and np.isfinite(r["observed"]):
            ax.axhline(r["observed"], color="tab:green", lw=1)
        ax.errorbar([0], [r["prior_median"]], yerr=[[r["prior_median"] - r["prior_q05"]],
                                                    [r["prior_q95"] - r["prior_median"]]],
                    fmt="o", color="0.5", capsize=4, label="prior predictive (5-95 %)")
        ax.errorbar([1], [r["posterior_median"]], yerr=[[r["posterior_median"] - r["posterior_q05"]],
                                                        [r["posterior_q95"] - r["posterior_median"]]],
                    fmt="o", color="tab:blue", capsize=4, label="posterior predictive (5-95 %)")
        ax.set_xlim(-0.6, 1.6)
        ax.set_xticks([0, 1], ["prior", "posterior"], fontsize=8)
        ax.set_title(f"{r['id']}\n({r['role']}; {r['quantity']} @ month {r['month']})", fontsize=7.5)
        ax.set_ylabel(r["unit"], fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def _fmt(x: float) -> str:
    return "nan" if x is None or not np.isfinite(x) else f"{x:.4g}"


def markdown_report(problem: Problem, summary: pd.DataFrame, ident: pd.DataFrame, pred: pd.DataFrame,
                    gens: pd.DataFrame, structural: list[dict], info: dict) -> str:
    lines = [f"# Calibration {problem.config.name}", "",
             f"config `{info.get('config', problem.config.path)}`; database `{info['db']}` (run {info['run_id']}); "
             f"{info['generations']} generations, final epsilon {_fmt(info['final_epsilon'])} "
             f"(minimum {problem.config.config.abc.minimum_epsilon:g}, in half-widths); stopped: {info['stopped']}.",
             f"This invocation: {info['simulations']} evaluations ({info['scenario_runs']} scenario runs) in "
             f"{info['seconds']:.1f} s = {_fmt(info['evaluations_per_second'])} evaluations/s on "
             f"{info['where']}; all invocations of this run: {info['total_evaluations']} evaluations in "
             f"{info['total_seconds']:.1f} s (an evaluation runs every scenario once).", "",
             *[f"**Warning:** {w}." for w in info.get("warnings", [])], "",
             "## Posterior (median and 90 % credible interval)", "",
             "| parameter | prior | median | 90 % CI | prior 90 % |", "|---|---|---|---|---|"]
    for _, r in summary.iterrows():
        lines.append(f"| {r['parameter']} | {r['prior']} | {_fmt(r['median'])} | {_fmt(r['q05'])} - {_fmt(r['q95'])}"
                     f" | {_fmt(r['prior_q05'])} - {_fmt(r['prior_q95'])} |")
    lines += ["", "## Identifiability (posterior 90 % width / prior 90 % width)", "",
              "| parameter | scale | width ratio | most correlated with | r | verdict |", "|---|---|---|---|---|---|"]
    for _, r in ident.iterrows():
        lines.append(f"| {r['parameter']} | {r['scale']} | {r['width_ratio']:.2f} | {r['most_correlated_with']} | "
                     f"{r['correlation']:+.2f} | {r['verdict']} |")
    lines += ["", "## Predictive check", "",
              "| target | role | observed interval | prior 5-95 % | posterior 5-95 % (median) | share inside "
              "| verdict |",
              "|---|---|---|---|---|---|---|"]
    for _, r in pred.iterrows():
        lines.append(f"| {r['id']} | {r['role']} | {_fmt(r['low'])} - {_fmt(r['high'])} | {_fmt(r['prior_q05'])} - "
                     f"{_fmt(r['prior_q95'])} | {_fmt(r['posterior_q05'])} - {_fmt(r['posterior_q95'])} "
                     f"({_fmt(r['posterior_median'])}) | {_fmt(r['posterior_share_inside'])} | {r['verdict']} |")
    if structural:
        lines += ["", "## Structural targets (profile values, not fitted)", "",
                  "| target | quantity | observed interval | profile | inside |", "|---|---|---|---|---|"]
        for r in structural:
            lines.append(f"| {r['id']} | {r['quantity']} | {_fmt(r['low'])} - {_fmt(r['high'])} {r['unit']} | "
                         f"{_fmt(r['model'])} | {'yes' if r['inside'] else 'NO'} |")
    lines += ["", "## Generations", "", "| t | epsilon | samples | acceptance | effective sample size |",
              "|---|---|---|---|---|"]
    for _, r in gens.iterrows():
        lines.append(f"| {int(r['t'])} | {_fmt(r['epsilon'])} | {int(r['samples'])} | {r['acceptance_rate']:.3f} | "
                     f"{r['ess']:.0f} |")
    return "\n".join(lines) + "\n"
