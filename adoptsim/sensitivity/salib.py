"""SALib, wrapped: the problem of a set of ranges, the design (Sobol' or Morris sample) and the indices.

Every function takes the method by name (``"sobol"`` or ``"morris"``) and a
seed, so the same study always gives the same design and bootstrap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

Method = Literal["sobol", "morris"]
METHODS: tuple[str, ...] = ("sobol", "morris")
MORRIS_LEVELS = 4
COLUMNS = {"sobol": ["S1", "S1_conf", "ST", "ST_conf"], "morris": ["mu", "mu_star", "mu_star_conf", "sigma"]}


def problem(parameters: Mapping[str, Sequence[float]]) -> dict:
    """The SALib problem for ``{name: [low, high]}`` (uniform on each range, in this order)."""
    if not parameters:
        raise ValueError("no parameters: a sensitivity analysis needs at least one [low, high] range")
    bounds = []
    for name, rng in parameters.items():
        if len(rng) != 2 or not all(math.isfinite(float(v)) for v in rng) or not float(rng[0]) < float(rng[1]):
            raise ValueError(f"{name}: need a finite [low, high] with low < high, got {list(rng)}")
        bounds.append([float(rng[0]), float(rng[1])])
    return {"num_vars": len(bounds), "names": list(parameters), "bounds": bounds}


def design_rows(method: Method, n: int, num_vars: int) -> int:
    """Rows of the design :func:`sample` draws: ``N (D + 2)`` (Sobol') or ``N (D + 1)`` (Morris)."""
    _check_method(method)
    return n * (num_vars + (2 if method == "sobol" else 1))


def sample(problem: dict, method: Method, n: int, seed: int) -> np.ndarray:
    """The design matrix (one row per model evaluation, columns in ``problem["names"]`` order).

    Sobol': scrambled Sobol' sequence in Saltelli's scheme, first- and
    total-order only (``SALib.sample.sobol``); ``n`` must be a power of 2.
    Morris: ``n`` trajectories on a 4-level grid (``SALib.sample.morris``).
    """
    _check_method(method)
    if n < 2:
        raise ValueError(f"samples: need at least 2, got {n}")
    if method == "sobol":
        if n & (n - 1):
            raise ValueError(f"samples: Sobol' needs a power of 2 (e.g. {1 << n.bit_length()}), got {n}")
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)


def analyze(problem: dict, method: Method, X: np.ndarray, Y: np.ndarray, seed: int) -> pd.DataFrame:
    """Sensitivity indices, one row per parameter (index ``parameter``).

    Columns: ``S1, S1_conf, ST, ST_conf`` (Sobol') or ``mu, mu_star,
    mu_star_conf, sigma`` (Morris); ``*_conf`` are 95 % bootstrap half-widths
    (``seed`` fixes the bootstrap). ``X`` is the design of :func:`sample`
    (Sobol' reads only its row order).
    """
    _check_method(method)
    Y = np.asarray(Y, dtype=float).ravel()
    X = np.asarray(X, dtype=float)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"design has {X.shape[0]} rows but there are {Y.shape[0]} outcomes")
    if not np.all(np.isfinite(Y)):
        raise ValueError(f"{int(np.sum(~np.isfinite(Y)))} outcomes are not finite numbers")
    rng = np.random.default_rng(seed)  # a Generator: SALib's sobol treats an int seed of 0 as "unseeded"
    if method == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(problem, Y, calc_second_order=False, num_resamples=1000, conf_level=0.95,
                               seed=rng)
    else:
        from SALib.analyze import morris

        result = morris.analyze(problem, X, Y, num_resamples=1000, conf_level=0.95,
                                num_levels=MORRIS_LEVELS, seed=rng)
    table = pd.DataFrame({c: np.asarray(result[c], dtype=float) for c in COLUMNS[method]},
                         index=pd.Index(problem["names"], name="parameter"))
    return table


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method: {method!r} is not one of {', '.join(METHODS)}")
