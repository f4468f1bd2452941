"""Figures for people who are not modellers."""

from .curves import adoption_figure, save_figure

__all__ = ["adoption_figure", "save_figure"]
