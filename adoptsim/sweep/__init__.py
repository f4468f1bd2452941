"""Sweeps: many scenarios, replicated, run anywhere, stored so nothing is lost."""

from .runner import SweepReport, run_sweep
from .spec import Sweep, SweepError, Variant, load_sweep, replicate_seed
from .store import load_results

__all__ = ["Sweep", "SweepError", "SweepReport", "Variant", "load_results", "load_sweep", "replicate_seed",
           "run_sweep"]
