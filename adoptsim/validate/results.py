"""What a pattern check returns (:class:`PatternResult`, :class:`Panel`) and the registry of checks.

Each check in :mod:`.patterns` registers itself with :func:`_pattern`, under
its number and its wording in docs/PATTERNS.md; :func:`check_pattern` runs one by number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ValidateError(ValueError):
    """A posterior or targets file that cannot be used; the message names the file and the problem."""


# -- results -------------------------------------------------------------------------------------
@dataclass
class Panel:
    """The data of one figure panel: the pattern's key comparison.

    ``kind`` is ``"lines"`` (``x`` = years shared by every series) or
    ``"bars"`` (``x`` = category labels, one bar per series in each category).
    """

    kind: str
    x: list
    series: dict[str, list[float]]
    xlabel: str = ""
    ylabel: str = ""
    percent: bool = True
    dashed: tuple[str, ...] = ()


@dataclass
class PatternResult:
    """One pattern checked under one parameter set."""

    number: int
    title: str                    # the pattern as docs/PATTERNS.md states it
    short: str                    # a few words, for figure panels
    reproduced: bool
    statistics: dict[str, float]
    headline: tuple[str, ...]     # the keys of the statistics the verdict turns on
    threshold: str                # the criterion, in words
    explanation: str              # one plain sentence with the numbers
    figure: Panel
    not_modelled: str = ""        # the part of the pattern the model cannot show
    draw: int = 0                 # index of the parameter set
    seed_set: int = 0             # which independent set of seeds the check ran on
    effect: str = ""              # the statistic reported as the pattern's effect size (default: headline[0])
    contrast: str = ""            # for a contrast pattern: what the effect compares, in words; its sign is the test

    @property
    def value(self) -> float:
        """The first key statistic."""
        return float(self.statistics[self.headline[0]])

    @property
    def effect_key(self) -> str:
        return self.effect or self.headline[0]

    @property
    def effect_value(self) -> float:
        """The effect size: the contrast for a contrast pattern, else the first key statistic."""
        return float(self.statistics[self.effect_key])


@dataclass(frozen=True)
class Pattern:
    number: int
    title: str
    short: str
    check: Callable[..., PatternResult]


PATTERNS: dict[int, Pattern] = {}


def _pattern(number: int, title: str, short: str):
    def register(check: Callable[..., PatternResult]) -> Callable[..., PatternResult]:
        PATTERNS[number] = Pattern(number, title, short, check)
        return check
    return register


def check_pattern(number: int, params: Mapping[str, Any] | None = None,
                  replicates: int | None = None, seed_set: int = 0) -> PatternResult:
    """Run pattern ``number``'s check under ``params`` (flat scenario values; None = defaults) on seed set ``seed_set``."""
    from dataclasses import replace

    from .experiments import seed_set as _on_seed_set

    check = PATTERNS[number].check
    with _on_seed_set(seed_set):
        result = check(params) if replicates is None else check(params, replicates=replicates)
    return replace(result, seed_set=seed_set)


def _result(number: int, reproduced: bool, stats: dict, headline: str | tuple[str, ...], threshold: str,
            explanation: str, figure: Panel, not_modelled: str = "", effect: str = "",
            contrast: str = "") -> PatternResult:
    p = PATTERNS[number]
    stats = {k: float(v) for k, v in stats.items()}
    keys = (headline,) if isinstance(headline, str) else tuple(headline)
    return PatternResult(number, p.title, p.short, bool(reproduced), stats, keys, threshold, explanation,
                         figure, not_modelled, effect=effect, contrast=contrast)
