"""Measured comparison for issue 14: ABC (pyabc's target, rejection on a shared table) vs NPE (sbi).

Not part of the package or the tests: sbi and torch are not dependencies of adoptsim. Two
environments, because adoptsim needs Python >= 3.12 and the torch wheel on disk is for 3.11:

    # 1. reference table: 4,000 prior draws, seed 1, the calibration's own simulator (2 replicates)
    .venv/bin/python calibration/sbi_comparison.py simulate calibration/lahore-moradabad.toml \
        --draws 4000 --seed 1 --out /tmp/sbi_compare/table_4000_s1.npz            # writes the .npz
    # 2. NPE (Python 3.11 venv: python3 -m venv /tmp/sbienv &&
    #    /tmp/sbienv/bin/pip install torch==2.13.0 sbi==0.27.0 pandas)
    /tmp/sbienv/bin/python calibration/sbi_comparison.py npe /tmp/sbi_compare/table_4000_s1.npz \
        --truths 100 --seed 0 --out /tmp/sbi_compare/npe                          # writes npe_*.csv, npe.json
    # 3. ABC on the same table + the tables of calibration/SBI.md
    git show 71ef611:calibration/runs/lahore-moradabad/posterior.csv > /tmp/sbi_compare/runG_posterior.csv
    .venv/bin/python calibration/sbi_comparison.py report /tmp/sbi_compare/table_4000_s1.npz \
        --npe /tmp/sbi_compare/npe --truths 100 --published /tmp/sbi_compare/runG_posterior.csv  # markdown

NPE: sbi ``NPE`` (SNPE-C, single round) with a MAF, z-scored statistics and parameters on the scale
pyabc samples (log for log-uniform / lognormal priors; the lognormal prior's truncation at 1-60
months, beyond 3.8 sd, is ignored). One network is trained on rows ``truths..N-1``; rows
``0..truths-1`` are the held-out SBC truths, and the same network gives the observed posterior
(amortised). Two observed posteriors: at the interval centres (``problem.observed``) and the
"interval" posterior, a mixture of the NPE posteriors at the table rows whose statistics fall inside
every observed interval (the target of ABC-SMC with ``minimum_epsilon = 1``, p = inf).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

LEVEL = 0.9
Q = ((1 - LEVEL) / 2, (1 + LEVEL) / 2)


def _problem(config: str):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from adoptsim.calibrate.config import load_config
    from adoptsim.calibrate.problem import build_problem

    return build_problem(load_config(config))


def simulate(config: str, draws: int, seed: int, out: str) -> None:
    """Simulate the reference table with ``coverage.reference_table`` (workers=2) and save it as .npz."""
    problem = _problem(config)
    from adoptsim.calibrate.coverage import reference_table

    t0 = time.time()
    table = reference_table(problem, draws, seed, workers=2)
    sec = time.time() - t0
    priors = {n: s.model_dump(exclude={"source"}) for n, s in problem.parameters.items()}
    np.savez(out, theta=table.theta.to_numpy(), names=np.array(list(table.theta.columns)), stats=table.stats,
             ids=np.array(table.ids), weights=table.weights, p=table.p, seconds=sec, seed=seed,
             observed=np.array([problem.observed[i] for i in table.ids]),
             low=np.array([t.low for t in problem.fit]), high=np.array([t.high for t in problem.fit]),
             priors=json.dumps(priors))
    print(f"{draws} draws in {sec:.0f} s -> {out}")


def _torch_prior(priors: dict):
    """The prior on the sampled scale as independent torch distributions."""
    import math

    import torch
    from torch.distributions import Normal, Uniform
    from sbi.utils import MultipleIndependent

    t = lambda x: torch.tensor([float(x)])  # noqa: E731
    dists = []
    for spec in priors.values():
        if spec["prior"] == "uniform":
            dists.append(Uniform(t(spec["low"]), t(spec["high"])))
        elif spec["prior"] == "loguniform":
            dists.append(Uniform(t(math.log(spec["low"])), t(math.log(spec["high"]))))
        elif spec["prior"] == "lognormal":
            dists.append(Normal(t(math.log(spec["median"])), t(spec["sigma"])))
        else:
            raise ValueError(spec["prior"])
    return MultipleIndependent(dists)


def npe(table_path: str, truths: int, seed: int, out: str, samples: int = 4000) -> None:
    """Train NPE on the table without its first ``truths`` rows; write observed and SBC posteriors."""
    import torch
    from sbi.inference import NPE

    torch.manual_seed(seed)
    z = np.load(table_path)
    priors = json.loads(str(z["priors"]))
    names = [str(n) for n in z["names"]]
    log = np.array([priors[n]["prior"] in ("loguniform", "lognormal") for n in names])
    theta = np.where(log, np.log(z["theta"]), z["theta"])
    x = z["stats"]
    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    prior = _torch_prior(priors)
    t0 = time.time()
    inf = NPE(prior=prior, density_estimator="maf", show_progress_bars=False)
    inf.append_simulations(torch.tensor(theta[truths:], dtype=torch.float32), torch.tensor(x[truths:], dtype=torch.float32))
    est = inf.train(training_batch_size=100)
    post = inf.build_posterior(est)
    train_sec = time.time() - t0
    natural = lambda s: np.where(log, np.exp(s), s)  # noqa: E731

    def draw(xo: np.ndarray, n: int) -> np.ndarray:
        return post.sample((n,), x=torch.tensor(xo, dtype=torch.float32), show_progress_bars=False).numpy()

    t1 = time.time()
    centre = draw(z["observed"], samples)
    pd.DataFrame(natural(centre), columns=names).assign(weight=1.0).to_csv(outdir / "npe_observed.csv", index=False)
    inside = np.where(((x >= z["low"]) & (x <= z["high"])).all(axis=1))[0]
    per = max(1, samples // len(inside))
    mix = np.concatenate([draw(x[i], per) for i in inside])
    pd.DataFrame(natural(mix), columns=names).assign(weight=1.0).to_csv(outdir / "npe_interval.csv", index=False)
    rows = []
    for i in range(truths):
        s = draw(x[i], 2000)
        lo, hi = np.quantile(s, Q, axis=0)
        for j, n in enumerate(names):
            rows.append({"truth": i, "parameter": n, "value": float(theta[i, j]), "low": float(lo[j]),
                         "high": float(hi[j]), "inside": bool(lo[j] <= theta[i, j] <= hi[j])})
    pd.DataFrame(rows).to_csv(outdir / "npe_sbc.csv", index=False)
    meta = {"train_rows": int(len(x) - truths), "train_seconds": train_sec, "sample_seconds": time.time() - t1,
            "epochs": int(inf._summary["epochs_trained"][-1]), "best_val_logprob": float(inf._summary["best_validation_loss"][-1]),
            "interval_rows": int(len(inside)), "seed": seed}
    (outdir / "npe.json").write_text(json.dumps(meta, indent=1))
    print(json.dumps(meta))


def _width_ratio(problem, name: str, lo, hi):
    """Interval width / prior 90 % width on the prior's scale (the README's definition, report.identifiability's)."""
    from adoptsim.calibrate.report import prior_width_90

    f = np.log if problem.parameters[name].log_scale else np.asarray
    return (f(hi) - f(lo)) / prior_width_90(problem, name)


def report(table_path: str, npe_dir: str, truths: int, k: int, published: str) -> None:
    """ABC on the same table (rejection at eps = 1, kNN SBC) next to NPE; print the markdown tables."""
    from types import SimpleNamespace

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from adoptsim.calibrate.config import PriorSpec
    from adoptsim.calibrate.coverage import ReferenceTable, binomial_band, coverage
    from adoptsim.calibrate.report import identifiability, posterior_summary

    z = np.load(table_path)
    # priors and intervals come from the table itself, not the live config (which may have moved on)
    problem = SimpleNamespace(parameters={n: PriorSpec(**spec, source="table")
                                          for n, spec in json.loads(str(z["priors"])).items()})
    names = [str(n) for n in z["names"]]
    table = ReferenceTable(pd.DataFrame(z["theta"], columns=names), z["stats"], [str(i) for i in z["ids"]],
                           z["weights"], float(z["p"]))
    nd = Path(npe_dir)
    inside = ((table.stats >= z["low"]) & (table.stats <= z["high"])).all(axis=1)
    posts = {
        "ABC-SMC published (run G)": pd.read_csv(published),
        "rejection ABC, eps = 1 (table)": table.theta[inside].assign(weight=1.0),
        "NPE at the centres": pd.read_csv(nd / "npe_observed.csv"),
        "NPE interval mixture": pd.read_csv(nd / "npe_interval.csv"),
    }
    print(f"table: {len(table.stats)} draws, {z['seconds']:.0f} s; {inside.sum()} rows inside every interval")
    print("\n| method | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
    for label, post in posts.items():
        ident = identifiability(post, problem).set_index("parameter")
        print(f"| {label} | " + " | ".join(f"{ident.loc[n, 'width_ratio']:.2f}" for n in names) + " |")
    print("\nmedians (90 %):\n| method | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
    for label, post in posts.items():
        s = posterior_summary(post, problem).set_index("parameter")
        print(f"| {label} | " + " | ".join(f"{s.loc[n, 'median']:.3g} ({s.loc[n, 'q05']:.2g}-{s.loc[n, 'q95']:.2g})"
                                           for n in names) + " |")
    t0 = time.time()
    abc = coverage(table, truths, k or max(10, len(table.stats) // 20))
    abc_sec = time.time() - t0
    abc["width"] = [_width_ratio(problem, r.parameter, r.low, r.high) for r in abc.itertuples()]
    npe_sbc = pd.read_csv(nd / "npe_sbc.csv")
    log = {n: problem.parameters[n].log_scale for n in names}
    nat = lambda n, v: np.exp(v) if log[n] else v  # noqa: E731
    npe_sbc["width"] = [_width_ratio(problem, r.parameter, nat(r.parameter, r.low), nat(r.parameter, r.high))
                        for r in npe_sbc.itertuples()]
    lo, hi = binomial_band(truths)
    lo_all, hi_all = binomial_band(truths * len(names))
    print(f"\nSBC over {truths} truths (band per parameter {lo:.2f}-{hi:.2f}; pooled, as if independent, "
          f"{lo_all:.3f}-{hi_all:.3f}); ABC k = {k or max(10, len(table.stats) // 20)} ({abc_sec:.1f} s)")
    print("\n| parameter | ABC coverage | NPE coverage | ABC median width | NPE median width |\n|---|---|---|---|---|")
    for n in names:
        a, b = abc[abc.parameter == n], npe_sbc[npe_sbc.parameter == n]
        print(f"| {n} | {a.inside.mean():.2f} | {b.inside.mean():.2f} | {a.width.median():.2f} | {b.width.median():.2f} |")
    print(f"| all | {abc.inside.mean():.3f} | {npe_sbc.inside.mean():.3f} | {abc.width.median():.2f} | "
          f"{npe_sbc.width.median():.2f} |")
    print("\nNPE:", (nd / "npe.json").read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("simulate")
    s.add_argument("config"), s.add_argument("--draws", type=int, default=4000)
    s.add_argument("--seed", type=int, default=1), s.add_argument("--out", required=True)
    n = sub.add_parser("npe")
    n.add_argument("table"), n.add_argument("--truths", type=int, default=100)
    n.add_argument("--seed", type=int, default=0), n.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("table"), r.add_argument("--published", required=True,
                                            help="ABC-SMC posterior CSV (run G: git show HEAD:calibration/runs/...)"), r.add_argument("--npe", required=True)
    r.add_argument("--truths", type=int, default=100), r.add_argument("--k", type=int, default=0)
    a = ap.parse_args(argv)
    if a.cmd == "simulate":
        simulate(a.config, a.draws, a.seed, a.out)
    elif a.cmd == "npe":
        npe(a.table, a.truths, a.seed, a.out)
    else:
        report(a.table, a.npe, a.truths, a.k, a.published)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
