"""The dashboard's levers: which scenario keys get a slider, and everything else from the parameter space.

The parameter space (:data:`adoptsim.scenario.space.PARAMETERS`, read from the
schema) is the single source of each lever's default, bounds, unit and
description. This module only chooses
*which* keys a workshop sees and *how* they are shown:

* ``percent``: a share or rate stored as 0-1 is shown as 0-100 % (people
  read "30 %" more easily than "0.3");
* ``upper``: where the schema sets no upper bound (money, firms per month,
  pilots), the slider ends at a value derived from the cluster profile, so a
  slider in rupees and one in yuan both cover a sensible range.

Defaults are never written here: every slider starts at the schema default,
and :func:`legend` and the slider labels are built from the schema's field
descriptions and units, so editing the schema updates the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..profiles import Profile
from ..scenario import Scenario
from ..scenario.space import PARAMETERS, Parameter


def _nice(x: float) -> float:
    """The smallest of 1, 2, 5 x 10^k at or above ``x`` (round slider ends)."""
    if x <= 0:
        return 1.0
    k = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10**k >= x * (1 - 1e-9):
            return float(m * 10**k)
    return float(10 ** (k + 1))


@dataclass(frozen=True)
class Control:
    """How one scenario value is shown as a slider or checkbox.

    Parameters
    ----------
    key
        Flat scenario key (see :func:`adoptsim.scenario.flat_keys`).
    percent
        Show a 0-1 value as 0-100 %.
    upper
        Slider end where the schema has no upper bound (or one far beyond
        any useful value), from the cluster profile and the scenario.
    """

    key: str
    percent: bool = False
    upper: Callable[[Profile, Scenario], float] | None = None

    @property
    def parameter(self) -> Parameter:
        return PARAMETERS[self.key]

    @property
    def path(self) -> tuple[str, ...]:
        return self.parameter.path

    @property
    def lever(self) -> str:
        return self.path[1]

    @property
    def kind(self) -> type:
        """bool, int or float."""
        kind = self.parameter.kind
        return {"bool": bool, "int": int, "choice": int}.get(kind, float)

    def bounds(self, profile: Profile, scenario: Scenario) -> tuple[float, float]:
        """(low, high) in model units: the declared bounds, the profile-derived end where there is none."""
        p = self.parameter
        lo = 0.0 if p.low is None else float(p.low)
        hi = math.inf if p.high is None else float(p.high)
        if self.upper is not None:
            hi = min(hi, float(self.upper(profile, scenario)))
        if not math.isfinite(hi):
            raise ValueError(f"dashboard control {self.key}: the schema sets no upper bound; give one")
        return lo, hi

    def unit(self, profile: Profile) -> str:
        """The unit as shown: percent, the profile's currency, words instead of slashes."""
        raw = self.parameter.unit.replace("currency", profile.profile.currency)
        if self.percent:
            per = raw.split("/", 1)[1] if raw.startswith("1/") else ""
            return "%" + (f" per {per.replace('yr', 'year')}" if per else "")
        if raw.startswith("1/"):
            return "per " + raw[2:].replace("yr", "year")
        return raw.replace("/", " per ")

    def label(self, profile: Profile) -> str:
        """Short slider label: lever, value name, unit, e.g. ``Capex subsidy: share (%)``."""
        lever = self.lever.replace("_", " ").capitalize()
        name = self.path[-1].replace("_", " ")
        unit = self.unit(profile)
        return f"{lever}: {name}" + (f" ({unit})" if unit else "")

    def shown(self, value: Any) -> Any:
        """Model value -> slider value."""
        if self.kind is bool:
            return bool(value)
        if self.percent:
            return round(100.0 * float(value), 6)
        return self.kind(value)

    def model_value(self, shown: Any) -> Any:
        """Slider value -> model value."""
        if self.kind is bool:
            return bool(shown)
        if self.percent:
            return float(shown) / 100.0
        return self.kind(shown)

    def param(self, profile: Profile, scenario: Scenario) -> dict:
        """A Mesa SolaraViz ``model_params`` entry, starting at the scenario's value."""
        value = self.shown(self.parameter.value_in(scenario))
        if self.kind is bool:
            return {"type": "Checkbox", "value": value, "label": self.label(profile)}
        lo, hi = (self.shown(b) for b in self.bounds(profile, scenario))
        if self.kind is int:
            return {"type": "SliderInt", "value": int(value), "min": int(lo), "max": int(hi), "step": 1,
                    "label": self.label(profile)}
        step = _nice((hi - lo) / 200) / 2 if hi > lo else 1.0
        return {"type": "SliderFloat", "value": float(value), "min": float(lo), "max": float(hi),
                "step": step, "label": self.label(profile)}


# Slider ends where the schema has none: scaled to the cluster, not to any one currency.
def _firms_per_year(profile: Profile, scenario: Scenario) -> float:
    """Outreach that reaches every firm within a year."""
    return _nice((scenario.n_firms or profile.profile.n_firms) / 12)


def _pilots(profile: Profile, scenario: Scenario) -> float:
    """Up to 1 % of firms, at least 10 (never more than there are firms)."""
    n = scenario.n_firms or profile.profile.n_firms
    return float(min(n, max(10, round(n / 100))))


def _penalty_scale(factor: float) -> Callable[[Profile, Scenario], float]:
    """Money in multiples of the cluster's own penalty for a detected violation."""
    return lambda profile, scenario: _nice(factor * profile.profile.penalty)


def _bank_rate(profile: Profile, scenario: Scenario) -> float:
    """A rate subsidy beyond the bank rate would pay firms to borrow."""
    return profile.profile.bank_rate


def _months(profile: Profile, scenario: Scenario) -> float:
    return float(scenario.months)


CONTROLS: tuple[Control, ...] = (
    Control("capex_subsidy_share", percent=True),
    Control("green_finance_rate_subsidy", percent=True, upper=_bank_rate),
    Control("green_finance_guarantee", percent=True),
    Control("green_finance_consortium"),
    Control("tariff_rebate_share", percent=True),
    Control("expansion_rule_blocks_new_lines"),
    Control("demonstration_pilots", upper=_pilots),
    Control("outreach_reach_per_month", upper=_firms_per_year),
    Control("outreach_business_case"),
    Control("buyer_platform_engaged_share", percent=True),
    Control("buyer_platform_pressure", percent=True),
    Control("enforcement_extra_inspection_rate", percent=True),
    Control("mandate_level"),
    Control("mandate_deadline_month", upper=_months),
    Control("mandate_legal_uncertainty", percent=True),
    Control("mandate_penalty", upper=_penalty_scale(10)),
    Control("recognition_reward", upper=_penalty_scale(1)),
)
"""The workshop's levers, in sidebar order. Vendors are left out: their capacity is unlimited by
default, so building more of it changes nothing unless a scenario file limits it first."""

BY_KEY = {c.key: c for c in CONTROLS}

# A green-finance scheme exists as soon as any of its sliders is above zero (no separate switch).
_FINANCE = ("green_finance_rate_subsidy", "green_finance_guarantee", "green_finance_consortium")


def model_params(profile: Profile, scenario: Scenario) -> dict[str, dict]:
    """Mesa ``model_params``: one slider or checkbox per control, starting at the scenario's values."""
    return {c.key: c.param(profile, scenario) for c in CONTROLS}


def clamp(shown: dict[str, Any], profile: Profile, scenario: Scenario) -> dict[str, Any]:
    """Page values made safe: only the dashboard's controls, each a number inside its slider's range.

    A page only sends values its sliders allow, but a crafted client can send
    anything; an unknown key or a value that is not a finite number is dropped
    (the lever keeps its default) and a number outside the range is moved to
    its nearest end, so the model is always built and nothing raises.
    """
    out = {}
    for key, value in shown.items():
        control = BY_KEY.get(key)
        if control is None:
            continue
        if control.kind is bool:
            if isinstance(value, bool):
                out[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            continue
        lo, hi = (control.shown(b) for b in control.bounds(profile, scenario))
        value = min(max(value, lo), hi)
        out[key] = int(round(value)) if control.kind is int else float(value)
    return out


def to_overrides(shown: dict[str, Any]) -> dict[str, Any]:
    """Slider values (as the page shows them) -> flat scenario overrides in model units.

    Keys that are not dashboard controls pass through unchanged (flat scenario keys).
    """
    out = {}
    for key, value in shown.items():
        control = BY_KEY.get(key)
        out[key] = control.model_value(value) if control else value
    if any(out.get(k) for k in _FINANCE):
        out.setdefault("green_finance_enabled", True)
    return out


def lever_title(lever: str) -> str:
    return lever.replace("_", " ").capitalize()


def describe(key: str, value: Any, profile: Profile) -> str:
    """A flat scenario value in words: ``capex_subsidy_share=0.3`` -> ``Capex subsidy share 30 %``.

    Shares and rates bounded by 0 and 1 are shown as percentages; money in the
    profile's currency. Used for sweep variant names in reports.
    """
    path = PARAMETERS[key].path
    control = Control(key, percent=PARAMETERS[key].is_share)
    words = (lever_title(path[1]) + " " if path[0] == "levers" else "") + path[-1].replace("_", " ")
    if path[0] != "levers":
        words = words.capitalize()
    if isinstance(value, bool):
        return f"{words}: {'yes' if value else 'no'}"
    if not isinstance(value, (int, float)):
        return f"{words}: {value}"
    shown = control.shown(value)
    number = f"{shown:,.3g}" if abs(shown) < 1000 else f"{shown:,.0f}"
    return f"{words} {number}" + (f" {control.unit(profile)}" if control.unit(profile) else "")


def legend(profile: Profile) -> list[tuple[str, str]]:
    """One plain sentence per lever, from the schema's descriptions of its controls.

    Returns
    -------
    list of (lever title, sentence)
    """
    by_lever: dict[str, list[Control]] = {}
    for c in CONTROLS:
        by_lever.setdefault(c.lever, []).append(c)
    out = []
    for lever, controls in by_lever.items():
        parts = []
        for c in controls:
            text = (c.parameter.meaning or c.path[-1].replace("_", " ")).strip().rstrip(".")
            unit = c.unit(profile)
            parts.append(text + (f" ({unit})" if unit and unit not in text else ""))
        sentence = "; ".join(parts)
        out.append((lever_title(lever), sentence[0].upper() + sentence[1:] + "."))
    return out
