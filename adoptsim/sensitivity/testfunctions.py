r"""Analytic test functions with known indices, run through the same path as the model.

:func:`ishigami_unit` is a unit of work that computes the Ishigami function
(known indices) instead of running the model, so a test can push a design
through exactly the same path, :class:`SweepEvaluator` -> ``run_sweep`` ->
``load_results`` -> :func:`analyze`, and compare with the analytic values.
Every variant of a sweep is validated as a scenario, and Ishigami's inputs
live on [-pi, pi], which no scenario key accepts. Rather than teach the sweep
a back door for non-scenario values (the task would then differ from the
real one), the design is drawn on three real keys with range [0, 1]
(:data:`ISHIGAMI_KEYS`) and the unit maps them affinely, ``x = -pi + 2 pi u``.
Sobol' indices are invariant under an affine change of each input (a uniform
input stays uniform), so the indices are Ishigami's exactly.

References
----------
Ishigami, T. & Homma, T. (1990). An importance quantification technique in
uncertainty analysis for computer models. ISUMA '90, 398-403.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..scenario import flat_keys

ISHIGAMI_KEYS: tuple[str, ...] = ("p_innovation", "locality_weight", "belief_prior")
"""Scenario keys (each valid on [0, 1]) that carry Ishigami's x1, x2, x3 as ``(x + pi) / (2 pi)``."""
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(x: np.ndarray, a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> np.ndarray:
    """Ishigami's function of ``x[..., :3]`` on [-pi, pi]^3."""
    x = np.asarray(x, dtype=float)
    return np.sin(x[..., 0]) + a * np.sin(x[..., 1]) ** 2 + b * x[..., 2] ** 4 * np.sin(x[..., 0])


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> pd.DataFrame:
    """Analytic first- and total-order indices of :func:`ishigami` (Ishigami & Homma 1990)."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return pd.DataFrame({"S1": [v1 / var, v2 / var, 0.0], "ST": [(v1 + v13) / var, v2 / var, v13 / var]},
                        index=pd.Index(list(ISHIGAMI_KEYS), name="parameter"))


def ishigami_unit(task: dict) -> pd.DataFrame:
    """A sweep unit of work computing Ishigami instead of the model (column ``ishigami``, month 0).

    Reads :data:`ISHIGAMI_KEYS` from the task's scenario, i.e. after the
    overrides went through scenario validation, and maps each ``u`` in
    [0, 1] to ``x = -pi + 2 pi u``. Deterministic: every replicate is equal.
    """
    scenario = task["scenario"]
    keys = flat_keys()
    u = []
    for key in ISHIGAMI_KEYS:
        node = scenario
        for part in keys[key]:
            node = node[part]
        u.append(float(node))
    y = float(ishigami(-np.pi + 2 * np.pi * np.asarray(u)))
    n = len(task["replicates"])
    return pd.DataFrame({
        "variant": [task["variant"]] * n, "variant_name": [task["variant_name"]] * n,
        "replicate": np.asarray(task["replicates"], np.int64), "seed": np.asarray(task["seeds"], np.int64),
        "month": np.zeros(n, np.int64), "ishigami": np.full(n, y),
    })
