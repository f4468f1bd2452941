"""Before/after outcome tables of the shipped scenarios, for a model change's closing note.

Runs every shipped scenario file (:func:`tests.golden.record.scenario_files`, sweep and
sensitivity studies excluded) and the built-in default for ``--seeds R`` replicates (scenario
seed, seed + 1, ...) with the shipped calibrated defaults, and prints a markdown table of the
last month: share adopted, share compliant and share exited (moved to a park, moved out or
closed) of the initial firms, and cumulative public cost, each as mean [min–max]::

    .venv/bin/python -m tests.golden.outcomes                  # the working tree
    .venv/bin/python -m tests.golden.outcomes --ref HEAD       # HEAD → working tree
    .venv/bin/python -m tests.golden.outcomes --json out.json  # also the raw numbers

``--ref REV`` checks REV out in a temporary ``git worktree`` and runs this same file there in a
subprocess (``PYTHONPATH`` and cwd the worktree, its own Numba cache folder), so the
measurement (:func:`measure`) uses only APIs that both revisions have: ``adoptsim.run``,
``adoptsim.load_scenario``, ``adoptsim.scenario.default_scenario`` and the monthly table.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from statistics import fmean
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CALIBRATED_ENV = "ADOPTSIM_CALIBRATED"
EXIT_COLUMNS = ("firms_relocated_park", "firms_relocated_out", "firms_closed")
#: one run's last-month outcomes (or {"scenario", "seed", "error"})
Run = dict[str, Any]


def shipped_scenarios() -> dict[str, str | None]:
    """``{name: scenario file}`` of the revision whose ``adoptsim`` is imported (``None`` = the default)."""
    import adoptsim

    try:  # the golden recorder's selection, from the same checkout as adoptsim
        from tests.golden.record import scenario_files
        files = scenario_files()
    except ImportError:
        files = sorted((Path(adoptsim.__file__).parent / "experiments").glob("*.toml"))
    files = [p for p in files if not {"sweep", "sensitivity"} & set(tomllib.loads(p.read_text("utf-8")))]
    return {"default": None} | {p.stem: str(p) for p in files}


def run_one(task: tuple[str, str | None, int]) -> Run:
    """Run one (scenario, file, replicate) and return its last-month outcomes (or its error)."""
    name, path, replicate = task
    try:
        from adoptsim import load_scenario, run
        from adoptsim.scenario import default_scenario

        scenario = default_scenario() if path is None else load_scenario(path)
        seed = scenario.seed + replicate
        result = run(scenario.model_copy(update={"seed": seed}))
        frame = result.frame
        last = frame.iloc[-1]
        return {"scenario": name, "seed": seed, "month": int(last["month"]),
                "currency": result.summary.get("currency", ""),
                "firms": int(frame["firms"].iloc[0]),
                "share_adopted": float(last["share_adopted"]),
                "firms_compliant": int(last["firms_compliant"]),
                "firms_exited": int(sum(last[c] for c in EXIT_COLUMNS if c in frame)),
                "public_cost": float(last["public_cost_cumulative"])}
    except Exception as err:  # noqa: BLE001 - a scenario that fails shows as an error cell
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return {"scenario": name, "seed": None, "error": f"{type(err).__name__}: {first}"[:300]}


def measure(seeds: int, workers: int) -> dict[str, Any]:
    """Every shipped scenario × ``seeds`` replicates in a process pool: ``{"adoptsim": ..., "runs": {name: [run]}}``.

    The first task runs alone so that one worker compiles (and caches) the kernel before the others start.
    """
    os.environ.pop(CALIBRATED_ENV, None)
    import adoptsim

    cases = shipped_scenarios()
    tasks = [(name, path, r) for name, path in cases.items() for r in range(seeds)]
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=mp.get_context("spawn")) as pool:
        done = [pool.submit(run_one, tasks[0]).result()]
        done += list(pool.map(run_one, tasks[1:]))
    runs: dict[str, list[Run]] = {name: [] for name in cases}
    for r in done:
        runs[r["scenario"]].append(r)
    return {"adoptsim": str(Path(adoptsim.__file__).resolve().parent), "seeds": seeds, "runs": runs}


# ---- summary and tables -------------------------------------------------------------------------------------

def compact(x: float) -> str:
    """A money amount in compact units: 950, 12.3 k, 4.56 M, 1.2 bn (three significant digits)."""
    for scale, unit in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= scale:
            v = x / scale
            return f"{v:.3g}{unit}" if abs(v) < 1000 else f"{v:,.0f}{unit}"
    return f"{x:.3g}"


def _stat(values: list[float], fmt) -> str:
    lo, hi = min(values), max(values)
    return f"{fmt(fmean(values))} [{fmt(lo)}–{fmt(hi)}]" if len(values) > 1 else fmt(values[0])


def cells(runs: list[Run]) -> dict[str, str]:
    """The table cells of one scenario's replicates: mean [min–max] of each outcome."""
    ok = [r for r in runs if "error" not in r]
    if not ok or len(ok) < len(runs):
        err = next(r["error"] for r in runs if "error" in r)
        return dict.fromkeys(("adoption", "compliance", "exit", "cost"), "error: " + err.split(":")[0])
    pct = lambda v: f"{100 * v:.1f}"  # noqa: E731
    cur = ok[0]["currency"]
    return {"adoption": _stat([r["share_adopted"] for r in ok], pct),
            "compliance": _stat([r["firms_compliant"] / r["firms"] for r in ok], pct),
            "exit": _stat([r["firms_exited"] / r["firms"] for r in ok], pct),
            "cost": f"{cur} {_stat([r['public_cost'] for r in ok], compact)}".strip()}


HEADERS = {"adoption": "adopted (%)", "compliance": "compliant (% of initial)", "exit": "exited (% of initial)",
           "cost": "public cost (cumulative)"}


def _months(*results: dict[str, Any]) -> str:
    months = sorted({r["month"] for res in results for rs in res["runs"].values() for r in rs if "month" in r})
    return ", ".join(map(str, months)) or "?"


def table(result: dict[str, Any]) -> str:
    """Markdown table of one measurement."""
    lines = [f"Outcomes at the last month (month {_months(result)}), mean [min–max] over {result['seeds']} "
             "replicate(s); exited = moved to a park + moved out + closed.", "",
             "| scenario | " + " | ".join(HEADERS.values()) + " |", "|---|" + "--:|" * len(HEADERS)]
    for name, runs in result["runs"].items():
        c = cells(runs)
        lines.append(f"| {name} | " + " | ".join(c[k] for k in HEADERS) + " |")
    return "\n".join(lines)


def before_after(before: dict[str, Any], after: dict[str, Any], ref: str, label: str) -> str:
    """Markdown before → after table (scenarios of either revision; '–' where one lacks it)."""
    names = list(before["runs"]) + [n for n in after["runs"] if n not in before["runs"]]
    lines = [f"Before = {ref}, after = {label}. Outcomes at the last month (month {_months(before, after)}), "
             f"mean [min–max] over {after['seeds']} replicate(s); exited = moved to a park + moved out + closed.", "",
             "| scenario | " + " | ".join(f"{h}: before → after" for h in HEADERS.values()) + " |",
             "|---|" + "--:|" * len(HEADERS)]
    for name in names:
        b, a = (cells(res["runs"][name]) if name in res["runs"] else dict.fromkeys(HEADERS, "–")
                for res in (before, after))
        lines.append(f"| {name} | " + " | ".join(f"{b[k]} → {a[k]}" for k in HEADERS) + " |")
    return "\n".join(lines)


# ---- the reference revision ---------------------------------------------------------------------------------

def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def measure_ref(rev: str, seeds: int, workers: int) -> dict[str, Any]:
    """:func:`measure` at git revision ``rev``, in a temporary worktree and a subprocess; the worktree is removed."""
    sha = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    with tempfile.TemporaryDirectory(prefix="adoptsim-outcomes-") as tmp:
        tree, out = Path(tmp) / "tree", Path(tmp) / "ref.json"
        _git("worktree", "add", "--detach", str(tree), sha)
        try:
            env = {k: v for k, v in os.environ.items() if k != CALIBRATED_ENV}
            env |= {"PYTHONPATH": str(tree), "NUMBA_CACHE_DIR": str(Path(tmp) / "numba")}
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure-only", str(out),
                            "--seeds", str(seeds), "--workers", str(workers)], cwd=tree, env=env, check=True)
            result = json.loads(out.read_text())
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
            subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False)
    if Path(result["adoptsim"]) != (tree / "adoptsim").resolve():
        raise RuntimeError(f"the {rev} run imported adoptsim from {result['adoptsim']}, not its worktree")
    result["revision"] = sha
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(prog="python -m tests.golden.outcomes", description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="replicates per scenario (seed, seed + 1, ...)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes")
    ap.add_argument("--ref", metavar="REV", help="also measure git revision REV and print before → after")
    ap.add_argument("--json", metavar="FILE", type=Path, help="write the raw per-run numbers to FILE")
    ap.add_argument("--measure-only", metavar="FILE", type=Path, help=argparse.SUPPRESS)  # used by --ref
    args = ap.parse_args(argv)
    if args.seeds < 1:
        ap.error("--seeds must be at least 1")
    os.environ.pop(CALIBRATED_ENV, None)
    if args.measure_only:
        args.measure_only.write_text(json.dumps(measure(args.seeds, args.workers)))
        return 0
    start = time.perf_counter()
    try:
        before = measure_ref(args.ref, args.seeds, args.workers) if args.ref else None
    except subprocess.CalledProcessError as err:
        print(f"--ref {args.ref}: {' '.join(map(str, err.cmd[:4]))} ... failed: {(err.stderr or '').strip()}",
              file=sys.stderr)
        return 2
    after = measure(args.seeds, args.workers)
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    label = f"working tree ({'uncommitted changes on ' if dirty else 'clean, '}{_git('rev-parse', '--short', 'HEAD')})"
    after["revision"] = label
    if before is None:
        print(f"{label}\n\n{table(after)}")
    else:
        ref = args.ref if before["revision"].startswith(args.ref) else f"{args.ref} ({before['revision'][:7]})"
        print(before_after(before, after, ref, label))
    if args.json:
        args.json.write_text(json.dumps({"before": before, "after": after} if before else after, indent=1) + "\n")
    print(f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    errors = {(res["revision"], r["scenario"], r["error"]) for res in (before, after) if res
              for rs in res["runs"].values() for r in rs if "error" in r}
    for where, name, error in sorted(errors):
        print(f"{where}: {name} failed: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
