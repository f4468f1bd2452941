"""Scenarios: the validated description of one simulation."""

from .load import (ScenarioError, default_scenario, flat_keys, load_base, load_scenario, scenario_from_dict,
                   with_calibrated_defaults, with_overrides)
from .schema import Behaviour, Levers, Scenario

__all__ = ["Behaviour", "Levers", "Scenario", "ScenarioError", "default_scenario", "flat_keys", "load_base",
           "load_scenario", "scenario_from_dict", "with_calibrated_defaults", "with_overrides"]
