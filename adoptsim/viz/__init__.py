"""Figures for people who are not modellers."""

from .curves import adoption_figure, save_figure
from .fans import cost_effectiveness_chart, fan_chart
from .indices import indices_chart
from .patterns import patterns_figure

__all__ = ["adoption_figure", "cost_effectiveness_chart", "fan_chart", "indices_chart", "patterns_figure", "save_figure"]
