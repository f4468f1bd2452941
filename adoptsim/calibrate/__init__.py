"""Bayesian calibration of the behavioural parameters (ABC-SMC with pyabc).

>>> from adoptsim.calibrate import run_calibration
>>> result = run_calibration("calibration/lahore-moradabad.toml", "adoptsim-out/lahore-moradabad")  # doctest: +SKIP
>>> result.summary        # posterior medians and 90 % credible intervals      # doctest: +SKIP

Modules: ``targets`` (target files and user data, validated), ``config``
(calibration configs), ``problem`` (config bound to scenarios and targets),
``simulator`` (the model function), ``abcsmc`` (pyabc wiring), ``report``
(summaries, identifiability, plots, predictive checks), ``runner``
(:func:`run_calibration`), ``calibrated`` (the calibrated parameter file
the shipped scenarios read: :func:`calibrated_behaviour`).

Only :mod:`.calibrated` and :mod:`.errors` are imported eagerly, so that the
scenario schema can read the calibrated defaults without importing pyabc.
"""

from __future__ import annotations

from .calibrated import calibrated_behaviour, calibrated_path, shipped_posterior
from .errors import CalibrationError

_LAZY = {
    "run_calibration": "runner", "Result": "runner",
    "load_config": "config", "build_problem": "problem",
    "load_targets": "targets", "load_user_data": "targets", "structural_checks": "targets",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CalibrationError", "Result", "build_problem", "calibrated_behaviour", "calibrated_path", "load_config",
           "load_targets", "load_user_data", "run_calibration", "structural_checks"]
