"""Sweep throughput and the per-run overhead of the sweep machinery.

Run on demand (not a test):
    .venv/bin/python benchmarks/sweep.py            # quick: 8 scenarios x 5 replicates
    .venv/bin/python benchmarks/sweep.py --full     # the issue's 100 scenarios x 20 replicates
    .venv/bin/python benchmarks/sweep.py --small 3  # 40 units of 500 firms x 60 months, 3 interleaved rounds
    .venv/bin/python benchmarks/sweep.py --size 24 5  # another sweep size (scenarios, replicates)

All on the Moradabad profile (5,000 firms x 120 months). In one process it
measures the bare kernel call (``kernel.simulate`` on a built world), a run
including population synthesis, and a sweep run (synthesis + kernel + outcome
table + atomic Parquet write + scheduling), then a sweep with 1 and 2 local
workers. Overheads are ratios against the bare kernel measured in the same run;
the sweep's against the bare kernel on exactly its runs (``same_runs``).

``--small N`` times instead a sweep dominated by worker start-up (40 units of
500 firms x 60 months, one replicate each) with every ``--workers`` count,
interleaved over N rounds, and prints runs/s and the ratio to the first count
(the baseline) measured in the same round, with the load average.

Warm workers (2026-12-02, 2 cores shared with a calibration run, load 2-4;
"before" = the same script on the previous executors): --small, 2 workers
5.9-7.2 runs/s before (x0.07-0.10 of 1 worker), 70-80 runs/s after (x0.92-0.96:
the sweep now runs in this process; with the pool forced, 39-97 runs/s);
--size 24 5, 2 workers 15.6 s before, 11.8 s after (1 worker: 8.1 s; the
second core was busy).

--full after the kernel lost its per-firm reference counting (2026-12-03, idle
2 cores): bare kernel 49.7-50.1 ms/run (12 M firm-months/s); 100 x 20 sweep
138.9 / 146.8 s on 1 worker, 74.2 / 80.4 s on 2 (x1.87 / x1.83, two runs). The
sweep's overhead is measured against the bare kernel on the same runs (its
variants and seeds: subsidised variants do more work than the baseline):
11.6 %, of which population synthesis 7.7 %. (Measured against the baseline
scenario's kernel, as before, it read 43 %.)

--full after the two-pass kernel and the synthesis cache (stop 29, 2026-12-03, idle 2 cores): bare kernel
37.7 ms/run (15.9 M firm-months/s); drawing a population adds 14.0 % to a run, a copy from the synthesis cache
4.3 %; sweep machinery overhead 12.0 % over the bare kernel on the same runs (4.5 ms/run; the kernel got
faster, the absolute overhead fell from ~5.8 ms); 100 x 20 sweep 84.7 s on 1 worker, 47.9 s on 2 (x1.77).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from adoptsim.kernel import simulate
from adoptsim.population import SYNTHESIS_CACHE, build_world
from adoptsim.scenario import Scenario, default_scenario, with_overrides
from adoptsim.sweep import Sweep, Variant, run_sweep
from adoptsim.sweep.runner import tasks_for
from adoptsim.sweep.store import plan_units


def timed(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def make_sweep(n_variants: int, replicates: int, **base_overrides) -> Sweep:
    overrides = {"months": 120, **base_overrides}
    base = with_overrides(default_scenario(), cluster="moradabad", name="moradabad", **overrides)
    variants = [Variant("s000", "baseline", {})] + [
        Variant(f"s{i:03d}", f"subsidy {i}", {"capex_subsidy_share": round(0.5 * i / n_variants, 4)})
        for i in range(1, n_variants)]
    return Sweep("bench", base, variants, replicates, seed=1)


def same_runs(sweep: Sweep) -> tuple[float, float]:
    """Mean seconds per run of the bare kernel, and of synthesis + kernel, over exactly the sweep's runs
    (its variants and replicate seeds): the baseline its machinery's overhead is measured against."""
    kernel = built = 0.0
    SYNTHESIS_CACHE.clear()  # as the sweep: each population drawn once, then copied
    tasks = tasks_for(sweep, plan_units(sweep))
    for task in tasks:
        base = Scenario.model_validate(task["scenario"])
        for seed in task["seeds"]:
            t0 = time.perf_counter()
            w = build_world(base.model_copy(update={"seed": seed}))
            t1 = time.perf_counter()
            simulate(w.firms, w.options, w.params, w.cost, w.series, w.bodies)
            t2 = time.perf_counter()
            kernel += t2 - t1
            built += t2 - t0
    runs = sum(len(t["seeds"]) for t in tasks)
    return kernel / runs, built / runs


def startup_dominated(rounds: int, worker_counts: list[int]) -> None:
    """Runs/s of a start-up-dominated sweep per worker count, interleaved, as ratios to the first count."""
    sweep = make_sweep(40, 1, n_firms=500, months=60)
    rates: dict[int, list[float]] = {w: [] for w in worker_counts}
    with tempfile.TemporaryDirectory() as tmp:
        run_sweep(sweep, Path(tmp) / "warm", progress=False)  # this process: imports and kernel loaded
        for r in range(rounds):
            for workers in worker_counts:
                t0 = time.perf_counter()
                report = run_sweep(sweep, Path(tmp) / f"r{r}-w{workers}", workers=workers, progress=False)
                rates[workers].append(report.runs / (time.perf_counter() - t0))
            print(f"round {r + 1}: " + "   ".join(f"{w} worker(s) {rates[w][-1]:7.1f} runs/s" for w in worker_counts)
                  + f"   load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    base = worker_counts[0]
    for workers in worker_counts:
        ratio = statistics.median(a / b for a, b in zip(rates[workers], rates[base]))
        print(f"40 x (500 firms x 60 months), {workers} worker(s): median {statistics.median(rates[workers]):7.1f} "
              f"runs/s   x{ratio:.2f} vs {base} worker(s) (median of per-round ratios)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="100 scenarios x 20 replicates")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to time")
    ap.add_argument("--size", type=int, nargs=2, metavar=("SCENARIOS", "REPLICATES"), help="another sweep size")
    ap.add_argument("--small", type=int, metavar="ROUNDS", help="only the start-up-dominated sweep, ROUNDS rounds")
    args = ap.parse_args()
    if args.small:
        startup_dominated(args.small, args.workers)
        return
    n_var, reps = (100, 20) if args.full else tuple(args.size) if args.size else (8, 5)
    scenario = with_overrides(default_scenario(), cluster="moradabad", months=120)
    firm_months = scenario.n_firms or 5000
    firm_months *= scenario.months

    def bare():
        w = build_world(scenario)
        t0 = time.perf_counter()
        simulate(w.firms, w.options, w.params, w.cost, w.series)
        return time.perf_counter() - t0

    bare()  # compile / load cache
    kernel_s = min(bare() for _ in range(5))
    def build_and_run(cached: bool) -> None:
        if not cached:
            SYNTHESIS_CACHE.clear()
        w = build_world(scenario)
        simulate(w.firms, w.options, w.params, w.cost, w.series)

    drawn, copied = timed(lambda: build_and_run(False)), timed(lambda: build_and_run(True))
    print(f"bare kernel call        {kernel_s * 1e3:8.1f} ms/run   {firm_months / kernel_s / 1e6:6.1f} M firm-months/s")
    print(f"+ population synthesis  {drawn * 1e3:8.1f} ms/run   overhead {drawn / kernel_s - 1:6.1%}   "
          f"(from the synthesis cache: {copied * 1e3:.1f} ms/run, {copied / kernel_s - 1:.1%})")
    with tempfile.TemporaryDirectory() as tmp:
        small = make_sweep(4, 5)
        run_sweep(small, Path(tmp) / "warm", progress=False)
        kernel_runs, built_runs = same_runs(small)  # the bare kernel on exactly the sweep's runs
        SYNTHESIS_CACHE.clear()  # as a fresh sweep: each population drawn once, then copied
        t0 = time.perf_counter()
        report = run_sweep(small, Path(tmp) / "one", progress=False)
        per_run = (time.perf_counter() - t0) / report.runs
        print(f"sweep machinery, 1 proc {per_run * 1e3:8.1f} ms/run   overhead {per_run / kernel_runs - 1:6.1%} "
              f"over the bare kernel on the same {report.runs} runs ({kernel_runs * 1e3:.1f} ms/run; "
              f"synthesis + kernel {built_runs * 1e3:.1f} ms/run, {built_runs / kernel_runs - 1:.1%})")
        sweep = make_sweep(n_var, reps)
        for workers in args.workers:
            SYNTHESIS_CACHE.clear()
            t0 = time.perf_counter()
            report = run_sweep(sweep, Path(tmp) / f"w{workers}", workers=workers, progress=False)
            wall = time.perf_counter() - t0
            print(f"{n_var} x {reps} sweep, {workers} worker(s): {wall:7.1f} s   {report.runs / wall:6.1f} runs/s   "
                  f"{report.runs * firm_months / wall / 1e6:6.1f} M firm-months/s")


if __name__ == "__main__":
    main()
