"""NSGA-II over lever mixes under a public budget (pymoo, the optional extra ``optimise``).

Each candidate mix is snapped to the levers' grids and evaluated over the
problem's replicates with the same seeds for every candidate (common random
numbers, so differences between mixes are not seed noise); its objectives are
the replicate means and the budget constraint is on the mean public money
spent over the horizon. Evaluations are stored as they finish
(:class:`~adoptsim.optimise.store.Store`): a re-run replays the same
deterministic search and evaluates only what is missing. Runs go to worker
processes when ``workers > 1``; each run depends only on its scenario and
seed, so the results do not depend on the number of workers.

The Pareto front is taken over every mix evaluated (not only the last
population): the within-budget mixes that no other within-budget mix beats on
every objective.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..lock import folder_lock
from .evaluate import evaluate_task
from .problem import Problem, ProblemError
from .store import Store, mix_key

EXTRA_MESSAGE = "optimisation needs pymoo, which is not installed (pip install 'adoptsim[optimise]')"


def _pymoo():
    try:
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.core.evaluator import Evaluator
        from pymoo.core.problem import Problem as PymooProblem
        from pymoo.problems.static import StaticProblem
        from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting
    except ImportError as err:
        raise ProblemError(f"{EXTRA_MESSAGE} ({err})") from None
    return NSGA2, Evaluator, PymooProblem, StaticProblem, NonDominatedSorting


class _Runner:
    """Runs evaluation tasks in this process or in a pool kept for the whole optimisation."""

    def __init__(self, fn: Callable, workers: int) -> None:
        self.fn, self.workers, self.pool = fn, workers, None
        if workers > 1:
            from ..sweep.executors import _die_with_parent

            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_die_with_parent, initargs=(os.getpid(),))

    def map(self, tasks: list[dict]):
        """Yield ``(index, result)`` as tasks finish (any order)."""
        if self.pool is None:
            for i, t in enumerate(tasks):
                yield i, self.fn(t)
            return
        pending = {self.pool.submit(self.fn, t): i for i, t in enumerate(tasks)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield pending.pop(fut), fut.result()
        except BrokenProcessPool:
            raise ProblemError("a worker process died (killed, or out of memory); finished evaluations are "
                               "saved: run the same command again to resume") from None
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


@dataclass
class Evaluations:
    """Every mix evaluated in this folder, with the replicate outcomes, as the search asks for them."""

    problem: Problem
    store: Store
    runner: _Runner
    new: int = 0          # mixes evaluated by this call (not read back from the store), base scenario
    new_robust: int = 0   # mix x uncertainty draw evaluations made by this call (--robust)
    runs: int = 0         # model runs made by this call
    order: list[tuple[str, dict, int | None, int]] = field(default_factory=list)  # key, mix, draw, generation

    def evaluate(self, mixes: list[dict], draw: int | None = None, generation: int = 0) -> list[list[dict]]:
        """The replicate outcomes of each mix (from the store, or run now: one task per replicate)."""
        keys = [mix_key(m, draw) for m in mixes]
        seen = {k for k, *_ in self.order}
        for k, m in zip(keys, mixes):
            if k not in seen:
                self.order.append((k, m, draw, generation))
                seen.add(k)
        todo = list(dict.fromkeys(k for k in keys if self.store.get(k) is None))
        if todo:
            by_key = dict(zip(keys, mixes))
            units = self.problem.units(draw)
            tasks, index = [], []
            for k in todo:
                scenarios = {}
                for r, (d, seed) in enumerate(units):
                    if d not in scenarios:
                        scenarios[d] = self.problem.scenario(by_key[k], d).model_dump(mode="json")
                    tasks.append({"scenario": scenarios[d], "seeds": [seed]})
                    index.append((k, r))
            got: dict[str, dict[int, dict]] = {k: {} for k in todo}
            for i, result in self.runner.map(tasks):
                k, r = index[i]
                got[k][r] = result[0]
                self.runs += 1
                if len(got[k]) == len(units):  # a candidate is stored once all its runs have finished
                    self.store.put(k, by_key[k], draw, [got[k][j] for j in range(len(units))])
                    if draw is None:
                        self.new += 1
                    else:
                        self.new_robust += 1
        return [self.store.get(k) for k in keys]


def summarise_replicates(replicates: list[dict], names: list[str]) -> dict[str, float]:
    """Mean and standard deviation over replicates of each named outcome."""
    out = {}
    for name in names:
        values = np.array([r[name] for r in replicates], float)
        out[name] = float(values.mean())
        out[f"{name}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return out


@dataclass
class OptimiseResult:
    """What :func:`optimise` found and did."""

    evaluations: pd.DataFrame       # every mix evaluated: levers, objective means and sds, cost, within budget
    front: pd.DataFrame             # the within-budget Pareto front (a subset of ``evaluations``)
    robust: pd.DataFrame | None     # front mixes ranked by regret across the uncertainty draws (--robust)
    new_evaluations: int            # mixes of ``evaluations`` run by this call (the rest were read back)
    runs: int                       # model runs made by this call (robust draws included)
    seconds: float
    files: list[Path] = field(default_factory=list)
    new_robust: int = 0             # mix x draw evaluations run by this call (--robust)


def _objective_matrix(table: pd.DataFrame, objectives: dict[str, str]) -> np.ndarray:
    """Objectives as pymoo minimises them (a maximised outcome negated)."""
    return np.column_stack([table[o].to_numpy(float) * (-1.0 if s == "max" else 1.0) for o, s in objectives.items()])


def pareto_front(table: pd.DataFrame, objectives: dict[str, str]) -> pd.DataFrame:
    """The within-budget rows no other within-budget row beats on every objective (duplicates kept once)."""
    *_, NonDominatedSorting = _pymoo()
    ok = table[table["within_budget"]].drop_duplicates(subset=list(objectives))
    if ok.empty:
        return ok
    idx = NonDominatedSorting().do(_objective_matrix(ok, objectives), only_non_dominated_front=True)
    first = next(iter(objectives))
    return ok.iloc[np.sort(idx)].sort_values(first, ascending=objectives[first] == "min", kind="stable")


def _cost_name() -> str:
    return "public_cost"


def optimise(problem: Problem, out: str | Path, *, workers: int = 1, robust: bool = False, overwrite: bool = False,
             progress: bool = False, evaluate: Callable[[dict], list[dict]] = evaluate_task,
             figures: bool = True) -> OptimiseResult:
    """Search ``problem``'s lever mixes with NSGA-II into folder ``out`` (resumable); see the module docstring.

    ``evaluate`` maps a task {scenario, seeds} to one outcome dict per seed (default: run the model); it must be
    importable by worker processes when ``workers > 1``.
    """
    NSGA2, Evaluator, PymooProblem, StaticProblem, _ = _pymoo()
    if robust and not problem.draws:
        raise ProblemError(f"{problem.path}: --robust needs an [uncertain] table (draws and ranges of uncertain "
                           "parameters) in the problem file")
    t0 = time.perf_counter()
    out = Path(out)
    names = list(dict.fromkeys([*problem.objectives, _cost_name()]))
    lo = np.array([lv.low for lv in problem.levers])
    hi = np.array([lv.high for lv in problem.levers])
    with folder_lock(out, "optimisation folder"):
        store = Store(out, problem, overwrite=overwrite)
        runner = _Runner(evaluate, workers)
        try:
            ev = Evaluations(problem, store, runner)
            pm = PymooProblem(n_var=len(lo), n_obj=len(problem.objectives), n_ieq_constr=1, xl=lo, xu=hi)
            algorithm = NSGA2(pop_size=problem.population)
            algorithm.setup(pm, termination=("n_gen", problem.generations), seed=problem.seed % 2**32, verbose=False)
            gen = 0
            while algorithm.has_next():
                gen += 1
                pop = algorithm.ask()
                mixes = [problem.mix(x) for x in pop.get("X")]
                pop.set("X", np.array([[m[lv.key] for lv in problem.levers] for m in mixes], float))
                stats = [summarise_replicates(r, names) for r in ev.evaluate(mixes, generation=gen)]
                table = pd.DataFrame(stats)
                F = _objective_matrix(table, problem.objectives)
                G = ((table[_cost_name()].to_numpy(float) - problem.budget) / max(problem.budget, 1.0))[:, None]
                Evaluator().eval(StaticProblem(pm, F=F, G=G), pop)
                algorithm.tell(infills=pop)
                if progress:
                    print(f"generation {gen}/{problem.generations}: {len(mixes)} candidates, "
                          f"{ev.new} new evaluations so far ({ev.runs} runs, {time.perf_counter() - t0:.0f} s)",
                          file=sys.stderr, flush=True)
            rows = []
            for key, mix, draw, g in ev.order:
                if draw is not None:
                    continue
                rows.append({"generation": g, **mix, **summarise_replicates(store.get(key), names)})
            evaluations = pd.DataFrame(rows)
            evaluations["within_budget"] = evaluations[_cost_name()] <= problem.budget
            front = pareto_front(evaluations, problem.objectives)
            robust_table = robust_ranking(problem, ev, front, progress=progress, t0=t0) if robust and len(front) else None
        finally:
            runner.close()
        result = OptimiseResult(evaluations, front, robust_table, ev.new, ev.runs, time.perf_counter() - t0,
                                new_robust=ev.new_robust)
        from .output import write_outputs

        result.files = write_outputs(problem, result, out, figures=figures)
    return result


def robust_ranking(problem: Problem, ev: Evaluations, front: pd.DataFrame, *, progress: bool = False,
                   t0: float | None = None) -> pd.DataFrame:
    """The front's mixes (at most ``problem.robust_mixes``, evenly spread along it) ranked by regret across the
    uncertainty draws (smallest worst-case regret first).

    In each draw, a mix's regret on an objective is how far it falls short of the best front mix in that draw
    (in the objective's unit). ``max_regret_<objective>`` is its worst over the draws; ``regret_score`` is the
    worst over draws of the mean over objectives of the regret scaled by that draw's spread between the best
    and the worst mix (0: best on everything in every draw; 1: worst on everything in some draw).
    ``draws_within_budget`` counts the draws where its mean public money stays within the budget.
    """
    keys = [lv.key for lv in problem.levers]
    if len(front) > problem.robust_mixes:  # evenly spread along the front (sorted by the first objective)
        n = problem.robust_mixes
        front = front.iloc[sorted({round(i * (len(front) - 1) / (n - 1)) for i in range(n)})]
    mixes = [{k: row[k] for k in keys} for _, row in front.iterrows()]
    mixes = [{k: (int(v) if lv.integer else float(v)) for (k, v), lv in zip(m.items(), problem.levers)} for m in mixes]
    names = list(dict.fromkeys([*problem.objectives, _cost_name()]))
    values = {o: np.zeros((len(mixes), len(problem.draws))) for o in names}
    for d in range(len(problem.draws)):
        for i, reps in enumerate(ev.evaluate(mixes, draw=d)):
            s = summarise_replicates(reps, names)
            for o in names:
                values[o][i, d] = s[o]
        if progress:
            print(f"uncertainty draw {d + 1}/{len(problem.draws)} ({problem.draws[d]}): {len(mixes)} front mixes, "
                  f"{ev.runs} runs so far" + (f" ({time.perf_counter() - t0:.0f} s)" if t0 is not None else ""),
                  file=sys.stderr, flush=True)
    table = front[keys].reset_index(drop=True).copy()
    scaled = np.zeros((len(mixes), len(problem.draws)))
    for o, sense in problem.objectives.items():
        v = values[o]
        best = v.max(axis=0) if sense == "max" else v.min(axis=0)
        regret = np.abs(best[None, :] - v)
        spread = v.max(axis=0) - v.min(axis=0)
        scaled += regret / np.where(spread > 0, spread, 1.0)[None, :]
        table[f"mean_{o}"] = v.mean(axis=1)
        table[f"max_regret_{o}"] = regret.max(axis=1)
    table["regret_score"] = (scaled / len(problem.objectives)).max(axis=1)
    table["draws_within_budget"] = (values[_cost_name()] <= problem.budget).sum(axis=1)
    table["draws"] = len(problem.draws)
    table = table.sort_values(["regret_score", "draws_within_budget"], ascending=[True, False], kind="stable")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)
