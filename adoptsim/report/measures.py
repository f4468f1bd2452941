"""What the report says for each outcome a sweep can be ranked by (``adoptsim report --by``, as ``compare --by``).

The numbers are :func:`adoptsim.compare.compare`'s (its table says what it is ranked by, in ``ranked_by``);
this module only words them: the headline's verb, how a value is written, the ranking chart's axis, and which
gain a cost-effectiveness chart plots against public money (a cost ranking is about the gain it buys).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..compare import BY, Measure
from .text import number, points


@dataclass(frozen=True)
class Wording:
    """How one ``--by`` outcome is said."""

    most: str     # the headline's verb phrase: "raises adoption most"
    versus: str   # after the value: " above the baseline's {base}" ({base} = the baseline's level, if any)
    axis: str     # the ranking chart's x label
    title: str    # the ranking chart's title, before "after N years"
    gain: str     # the --by name of the gain a cost-effectiveness chart plots against public money
    noun: str     # the gain in words: "adoption", "water saved"
    unit: str = ""  # after a number that is not a share or money: "m³ a year"


WORDING: dict[str, Wording] = {
    "adoption": Wording("raises adoption most", " above the baseline's {base}",
                        "percentage points more firms adopting than with no intervention",
                        "What each scenario adds to adoption", "adoption", "adoption"),
    "compliance": Wording("raises compliance most", " above the baseline's {base}",
                          "percentage points more firms meeting the standard than with no intervention",
                          "What each scenario adds to compliance", "compliance", "compliance"),
    "water": Wording("saves the most water", " more than the baseline",
                     "extra water saved (m³ a year) against no intervention",
                     "What each scenario adds to water saved", "water", "water saved", "m³ a year"),
    "pollution": Wording("cuts pollution most", " cut from the baseline's discharge",
                         "pollution load cut (m³-equivalent a year) against no intervention",
                         "What each scenario cuts from pollution", "pollution", "pollution cut",
                         "m³-eq a year"),
    "public-cost": Wording("spends the least public money", " more than the baseline",
                           "extra public money spent", "What each scenario costs the public purse", "adoption",
                           "public money"),
    "cost-per-adopter": Wording("buys extra adopters most cheaply", " per extra adopting firm",
                                "public money per extra adopting firm", "What each extra adopter costs",
                                "adoption", "public money per extra firm"),
    "cost-per-m3": Wording("buys water savings most cheaply", " per m³ a year of extra water saved",
                           "public money per m³ a year of extra water saved", "What each m³ a year saved costs",
                           "water", "public money per m³ a year"),
}
#: the baseline's level shown beside a share gain
BASELINE_LEVEL = {"adoption": "baseline_share_adopted", "compliance": "baseline_share_compliant"}


def ranked_by(table: pd.DataFrame) -> Measure:
    """The measure ``table`` (from :func:`adoptsim.compare.compare`) is ranked by."""
    return BY[str(table["ranked_by"].iloc[0])] if len(table) else BY["adoption"]


def is_share(m: Measure) -> bool:
    """A gain in a share, written in percentage points."""
    return m.name in BASELINE_LEVEL


def value(m: Measure, x: float, currency: str = "") -> str:
    """A value of ``m`` as readers see it: ``+3.2 points``, ``+12,000 m³ a year``, ``4,500 PKR``."""
    if is_share(m):
        return f"{points(x)} points"
    if m.money:
        return f"{number(x)} {currency}".strip()
    return f"{number(x, 0, True)} {WORDING[m.name].unit}".strip()


def bare(m: Measure, x: float) -> str:
    """A value of ``m`` without its unit (interval bounds, chart labels): ``+3.2``, ``+12,000``, ``4,500``."""
    return points(x) if is_share(m) else number(x, 0, not m.money)
