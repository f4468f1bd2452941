"""The pieces every pattern check shares: fixed seeds, layered scenarios, replicated kernel runs, shares."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..kernel import simulate
from ..population import World, build_world
from ..scenario import Scenario, default_scenario, with_overrides

SEED = 20240917
SEED_SET_STRIDE = 1_000_003  # seed sets never share a seed (a check has far fewer than 1,000 replicates)

_seed_set: contextvars.ContextVar[int] = contextvars.ContextVar("adoptsim_validate_seed_set", default=0)


@contextlib.contextmanager
def seed_set(k: int) -> Iterator[None]:
    """Run the checks inside on seed set ``k`` (0: the historical seeds): independent replicates."""
    token = _seed_set.set(int(k))
    try:
        yield
    finally:
        _seed_set.reset(token)


def _seeds(number: int, replicates: int) -> list[int]:
    base = SEED + SEED_SET_STRIDE * _seed_set.get() + 1000 * number
    return [base + r for r in range(replicates)]


def _scenario(*layers: Mapping[str, Any]) -> Scenario:
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer)
    return with_overrides(default_scenario(), origin="adoptsim validate", **merged)


def _runs(scenario: Scenario, seeds: Sequence[int]) -> list[World]:
    """Simulate ``scenario`` once per seed with the compiled kernel (no Mesa agents)."""
    worlds = []
    for seed in seeds:
        w = build_world(scenario.model_copy(update={"seed": int(seed)}))
        simulate(w.firms, w.options, w.params, w.cost, w.series, w.bodies)
        worlds.append(w)
    return worlds


def _mean_curve(worlds: list[World], attr: str = "adopters", column: int | None = None) -> np.ndarray:
    """Mean over runs of a series (as a share of the run's firms)."""
    curves = []
    for w in worlds:
        s = getattr(w.series, attr)
        curves.append((s if column is None else s[:, column]) / w.firms.shape[0])
    return np.mean(curves, axis=0)


def _pooled(worlds: list[World], select: Callable[[World], tuple[np.ndarray, np.ndarray]]) -> float:
    """Share of ``hit`` among ``group`` firms, pooled over runs (NaN for an empty group)."""
    hits = total = 0
    for w in worlds:
        hit, group = select(w)
        hits += int(np.count_nonzero(hit & group))
        total += int(np.count_nonzero(group))
    return hits / total if total else float("nan")


def _years(worlds: list[World]) -> list[float]:
    return (np.arange(worlds[0].series.adopters.shape[0]) / 12.0).tolist()


def _ratio(a: float, b: float) -> float:
    if b > 0:
        return a / b
    return float("inf") if a > 0 else float("nan")


def _pct(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{100 * x:.2f} %" if 0 < abs(x) < 0.001 else f"{100 * x:.1f} %"
