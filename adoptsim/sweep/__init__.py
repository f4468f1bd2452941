"""Sweeps: many scenarios, replicated, run anywhere, stored so nothing is lost."""

from .runner import SweepReport, run_sweep
from .spec import BASELINE, Sweep, SweepError, Variant, load_sweep, replicate_seed
from .store import load_results, variant_names

__all__ = ["BASELINE", "Sweep", "SweepError", "SweepReport", "Variant", "load_results", "load_sweep", "replicate_seed",
           "run_sweep", "variant_names"]
