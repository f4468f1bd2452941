"""Optimisation of lever mixes under a public budget (``adoptsim optimise``); see :mod:`.search`."""

from .problem import Lever, Problem, ProblemError, load_problem
from .search import OptimiseResult, optimise, pareto_front

__all__ = ["Lever", "Problem", "ProblemError", "load_problem", "OptimiseResult", "optimise", "pareto_front"]
