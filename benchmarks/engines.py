"""Engine throughput: firm-months per second, Numba kernel vs per-agent Mesa path.

Run on demand (not a test):  .venv/bin/python benchmarks/engines.py [--agent-months 12]

Both engines run the same scenario (Moradabad profile with outreach, green
finance and a subsidy switched on, so every rule is exercised) in this
process. The kernel runs the full 120 months; the per-agent path, about
1,000x slower, runs ``--agent-months`` months and is reported per
firm-month. Compilation is excluded (a warm-up run first). Memory is the
bytes of the firm arrays per firm.

Beside them, in the same process and interleaved with our kernel's repeats,
runs the lean yardstick kernel ``../shared/bench/lean_kernel.py`` (when the
checkout sits beside ``shared/``); ``vs lean`` is our kernel's throughput
over the yardstick's, measured under the same load.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

from adoptsim import AdoptionModel
from adoptsim.scenario import with_overrides

try:
    from adoptsim.scenario import default_scenario
except ImportError:  # an older checkout (PYTHONPATH=<worktree> to compare commits), where Scenario() was the default
    from adoptsim.scenario import Scenario as default_scenario

LEVERS = dict(cluster="moradabad", months=120, outreach_reach_per_month=50, outreach_business_case=0.5,
              green_finance_enabled=True, green_finance_guarantee=0.5, green_finance_consortium=True,
              capex_subsidy_share=0.2, demonstration_pilots=5)


LEAN = Path(__file__).resolve().parents[2] / "shared" / "bench" / "lean_kernel.py"


def lean_kernel():
    """The yardstick's ``run_cpu(n, months)``, or None when ``shared/`` is not beside the checkout."""
    if not LEAN.exists():
        return None
    spec = importlib.util.spec_from_file_location("lean_kernel", LEAN)
    module = importlib.util.module_from_spec(spec)
    sys.modules["lean_kernel"] = module  # numba's cache finds the module by name
    spec.loader.exec_module(module)
    module.run_cpu(200, 3)  # compile
    return module.run_cpu


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--agent-months", type=int, default=12, help="months of the per-agent path (0: skip it)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    AdoptionModel(with_overrides(default_scenario(), **{**LEVERS, "n_firms": 100, "months": 3})).run()  # compile
    lean = lean_kernel()
    print(f"{'firms':>7} {'engine':>7} {'months':>6} {'seconds':>9} {'firm-months/s':>15} {'ratio':>8}")
    for n in args.sizes:
        s = with_overrides(default_scenario(), **LEVERS, n_firms=n)
        kernel_s = best_of(lambda: AdoptionModel(s).run(), args.repeat)  # with model construction
        kernel_only = lean_s = float("inf")
        for _ in range(args.repeat):  # the kernel alone, on a freshly built model each time; the yardstick beside
            model = AdoptionModel(s)
            t0 = time.perf_counter()
            model.run()
            kernel_only = min(kernel_only, time.perf_counter() - t0)
            if lean is not None:
                t0 = time.perf_counter()
                lean(n, s.months)
                lean_s = min(lean_s, time.perf_counter() - t0)
        fm_kernel = n * s.months / kernel_only
        if args.agent_months > 0:
            short = with_overrides(s, months=args.agent_months)
            agent_model = AdoptionModel(short, engine="agents")
            t0 = time.perf_counter()
            agent_model.run()
            agent_s = time.perf_counter() - t0
            fm_agent = n * short.months / agent_s
        print(f"{n:>7} {'numba':>7} {s.months:>6} {kernel_only:>9.3f} {fm_kernel:>15,.0f} "
              + (f"{fm_kernel / fm_agent:>7.0f}x" if args.agent_months > 0 else ""))
        print(f"{n:>7} {'(+build)':>7} {s.months:>6} {kernel_s:>9.3f} {n * s.months / kernel_s:>15,.0f}")
        if args.agent_months > 0:
            print(f"{n:>7} {'agents':>7} {short.months:>6} {agent_s:>9.3f} {fm_agent:>15,.0f} {1:>7}x")
        if lean is not None:
            fm_lean = n * s.months / lean_s
            print(f"{n:>7} {'lean':>7} {s.months:>6} {lean_s:>9.3f} {fm_lean:>15,.0f}   "
                  f"numba vs lean: {fm_kernel / fm_lean:.2f}")
        nbytes = model.firms.nbytes
        print(f"{'':>7} memory: {nbytes / n:.0f} bytes per firm (firm arrays)")


if __name__ == "__main__":
    main()
