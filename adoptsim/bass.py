r"""The Bass diffusion model: the analytic limit the ABM must reproduce.

With innovation rate *p* and imitation rate *q* per unit time, cumulative
adoption is

.. math::

    F(t) = \frac{1 - e^{-(p+q)t}}{1 + (q/p)\,e^{-(p+q)t}} .

A synchronous simulation with step :math:`\Delta t` follows the discrete
recursion :math:`F_{t+\Delta t} = F_t + (1-F_t)\bigl(1 - e^{-(p + qF_t)\Delta t}\bigr)`,
which converges to :math:`F(t)` as :math:`\Delta t \to 0` (error of order
:math:`\Delta t`). In adoptsim's frictionless limit (see ``docs/ODD.md``) the
expected adopter share follows the recursion with :math:`\Delta t` = 1 month.

References
----------
Bass, F. M. (1969). A new product growth for model consumer durables.
Management Science 15(5), 215-227.
"""

from __future__ import annotations

import numpy as np


def bass_curve(p: float, q: float, t: np.ndarray | float) -> np.ndarray:
    """Closed-form cumulative adoption share at times ``t``."""
    if p <= 0:
        raise ValueError("p must be positive")
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_recursion(p: float, q: float, horizon: float, dt: float = 1.0, f0: float = 0.0) -> np.ndarray:
    """Discrete synchronous recursion on the grid 0, dt, ..., horizon."""
    steps = int(round(horizon / dt))
    f = np.empty(steps + 1)
    f[0] = f0
    for s in range(steps):
        f[s + 1] = f[s] + (1.0 - f[s]) * (1.0 - np.exp(-(p + q * f[s]) * dt))
    return f
