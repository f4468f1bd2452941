"""Scenarios: the validated description of one simulation."""

from .load import ScenarioError, flat_keys, load_base, load_scenario, scenario_from_dict, with_overrides
from .schema import Behaviour, Levers, Scenario

__all__ = ["Behaviour", "Levers", "Scenario", "ScenarioError", "flat_keys", "load_base", "load_scenario",
           "scenario_from_dict", "with_overrides"]
