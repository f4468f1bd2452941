r"""Global sensitivity analysis: which uncertain parameters drive an outcome.

A sensitivity file names a base scenario, the uncertain parameters with their
ranges, one outcome and a method. The design (SALib's Sobol' or Morris
sample) is run as an ordinary sweep, one variant per design row, so it uses
the same runner, seeds, executors and results directory as ``adoptsim
sweep``: it runs in parallel, locally or on Dask, and resumes after a kill.

.. math::

    S_i = \frac{V[E(Y \mid X_i)]}{V(Y)}, \qquad
    S_{Ti} = \frac{E[V(Y \mid X_{\sim i})]}{V(Y)}

``S1`` is the share of the outcome's variance explained by a parameter alone;
``ST`` adds every interaction it takes part in. Morris's ``mu_star`` is the
mean absolute change of the outcome when one parameter moves, scaled to a
move across its whole range; ``sigma`` is large when that change depends on
the other parameters (interactions or non-linearity). ``*_conf`` are
half-widths of 95 % bootstrap confidence intervals.

A results directory
-------------------
::

    OUT/sweep/           the sweep (manifest.json, runs/*.parquet): resumable
    OUT/design.csv       one row per design row: parameter values and the outcome
    OUT/indices.csv      one row per parameter: S1, S1_conf, ST, ST_conf (sobol)
                         or mu, mu_star, mu_star_conf, sigma (morris)
    OUT/indices.png      the indices with their confidence intervals
    OUT/sensitivity.json the resolved settings, problem and baseline outcome

One concept per module: ``config`` (the sensitivity file and the uncertain
parameters it names), ``salib`` (the SALib problem, sampling and analysis),
``evaluate`` (a design run as a sweep), ``testfunctions`` (Ishigami, with known
indices, through the same path) and ``run`` (:func:`run_sensitivity`).

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model
output. Computer Physics Communications 181, 259-270.
Morris, M. D. (1991). Factorial sampling plans for preliminary computational
experiments. Technometrics 33, 161-174.
Ishigami, T. & Homma, T. (1990). An importance quantification technique in
uncertainty analysis for computer models. ISUMA '90, 398-403.
"""

from __future__ import annotations

from .config import (SensitivityConfig, SensitivityError, UncertainParameter, load_config, outcome_columns,
                     uncertain_parameters)
from .evaluate import Evaluator, SweepEvaluator, outcome_by_variant
from .run import run_sensitivity
from .salib import COLUMNS, METHODS, MORRIS_LEVELS, Method, analyze, design_rows, problem, sample
from .testfunctions import ISHIGAMI_A, ISHIGAMI_B, ISHIGAMI_KEYS, ishigami, ishigami_indices, ishigami_unit

__all__ = ["COLUMNS", "Evaluator", "ISHIGAMI_A", "ISHIGAMI_B", "ISHIGAMI_KEYS", "METHODS", "MORRIS_LEVELS", "Method",
           "SensitivityConfig", "SensitivityError", "SweepEvaluator", "UncertainParameter", "analyze", "design_rows",
           "ishigami", "ishigami_indices", "ishigami_unit", "load_config", "outcome_by_variant", "outcome_columns",
           "problem", "run_sensitivity", "sample", "uncertain_parameters"]
