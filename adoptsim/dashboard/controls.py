"""The dashboard's levers: which scenario keys the room sees, in plain words; the rest from the parameter space.

The parameter space (:data:`adoptsim.scenario.space.PARAMETERS`, read from the
schema) is the single source of each control's default, bounds and unit.
This module only chooses *which* keys a workshop sees and *how* they read:

* ``words`` and :data:`LEVERS`: what a control sets and what each lever does,
  in the room's words (the schema's descriptions are written for modellers);
* ``percent``: a share or rate stored as 0-1 is shown as 0-100 % (people
  read "30 %" more easily than "0.3");
* ``upper``: where the schema sets no upper bound (money, firms per month,
  pilots), the slider ends at a value derived from the cluster profile, so a
  slider in rupees and one in yuan both cover a sensible range;
* ``choices``: a list's values in words (``zero liquid discharge``, not ``2``).

Defaults are never written here: every control starts at the schema default.
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
    """How one scenario value is shown as a slider, checkbox or list.

    Parameters
    ----------
    key
        Flat scenario key (see :func:`adoptsim.scenario.flat_keys`).
    words
        What the control sets, in plain words for the room (the lever's title
        goes before it, the unit after it): ``share of the price paid``.
    percent
        Show a 0-1 value as 0-100 %.
    upper
        Slider end where the schema has no upper bound (or one far beyond
        any useful value), from the cluster profile and the scenario.
    choices
        For a choice: what each allowed value (in schema order) means, in words.
    unlimited
        The slider's right end means "no limit" (the schema's ``inf``).
    available
        Whether the cluster has what the control acts on (e.g. a common-plant
        design); None: always.
    unit_words
        The unit as shown, where the schema's would read oddly ("" for none).
    """

    key: str
    words: str
    percent: bool = False
    upper: Callable[[Profile, Scenario], float] | None = None
    choices: tuple[str, ...] = ()
    unlimited: bool = False
    available: Callable[[Profile], bool] | None = None
    unit_words: str | None = None

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
    def title(self) -> str:
        """The lever's title on the page, e.g. ``Green loans``."""
        return LEVERS[self.lever][0]

    @property
    def kind(self) -> type:
        """bool, int, float, or str for a choice (shown as its words)."""
        if self.choices:
            return str
        return {"bool": bool, "int": int, "choice": int}.get(self.parameter.kind, float)

    def offered(self, profile: Profile) -> bool:
        """The control is on the page for this cluster."""
        return self.available is None or bool(self.available(profile))

    def bounds(self, profile: Profile, scenario: Scenario) -> tuple[float, float]:
        """(low, high) in model units: the declared bounds, the profile-derived end where there is none."""
        p = self.parameter
        if self.choices:
            return 0.0, float(len(self.choices) - 1)
        lo = 0.0 if p.low is None else float(p.low)
        hi = math.inf if p.high is None else float(p.high)
        if self.upper is not None:
            hi = min(hi, float(self.upper(profile, scenario)))
        if not math.isfinite(hi):
            raise ValueError(f"dashboard control {self.key}: the schema sets no upper bound; give one")
        return lo, hi

    def unit(self, profile: Profile) -> str:
        """The unit as shown: percent, the profile's currency, words instead of slashes."""
        if self.unit_words is not None:
            return self.unit_words
        raw = self.parameter.unit.replace("currency", profile.profile.currency)
        if self.percent:
            per = raw.split("/", 1)[1] if raw.startswith("1/") else ""
            return "%" + (f" per {per.replace('yr', 'year')}" if per else "")
        if raw.startswith("1/"):
            return "per " + raw[2:].replace("yr", "year")
        return raw.replace("/", " per ")

    def label(self, profile: Profile) -> str:
        """The label on the page: lever, what it sets, unit, e.g. ``Capex subsidy: share of the price paid (%)``."""
        unit = self.unit(profile)
        return f"{self.title}: {self.words}" + (f" ({unit})" if unit else "")

    def shown(self, value: Any) -> Any:
        """Model value -> control value (a choice as its words; ``inf`` stays ``inf``)."""
        if self.kind is bool:
            return bool(value)
        if self.choices:
            return self.choices[self.parameter.choices.index(value)]
        if self.percent:
            return round(100.0 * float(value), 6)
        return self.kind(value) if math.isfinite(value) else value

    def model_value(self, shown: Any) -> Any:
        """Control value -> model value."""
        if self.kind is bool:
            return bool(shown)
        if self.choices:
            return self.parameter.choices[self.choices.index(shown)]
        if self.percent:
            return float(shown) / 100.0
        return self.kind(shown) if math.isfinite(shown) else shown

    def param(self, profile: Profile, scenario: Scenario) -> dict:
        """The widget: Mesa's ``model_params`` format (type, value, min, max, step, label), at the scenario's value."""
        value = self.shown(self.parameter.value_in(scenario))
        label = self.label(profile)
        if self.kind is bool:
            return {"type": "Checkbox", "value": value, "label": label}
        if self.choices:
            return {"type": "Select", "value": value, "values": list(self.choices), "label": label}
        lo, hi = (self.shown(b) for b in self.bounds(profile, scenario))
        if self.unlimited and not math.isfinite(value):
            value = hi  # the right end reads "no limit"
        if self.kind is int:
            return {"type": "SliderInt", "value": int(value), "min": int(lo), "max": int(hi), "step": 1,
                    "label": label}
        step = _nice((hi - lo) / 200) / 2 if hi > lo else 1.0
        return {"type": "SliderFloat", "value": float(value), "min": float(lo), "max": float(hi),
                "step": step, "label": label}


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


def _installations(profile: Profile, scenario: Scenario) -> float:
    """Installer capacity up to one installation for every firm within a year (at least 10 a month)."""
    return _nice(max(10.0, (scenario.n_firms or profile.profile.n_firms) / 12))


def _plots(profile: Profile, scenario: Scenario) -> float:
    """Park plots for up to every firm of the cluster."""
    return float(scenario.n_firms or profile.profile.n_firms)


def _has_common_plant(profile: Profile) -> bool:
    return bool(profile.common_plants)


def _has_park(profile: Profile) -> bool:
    return profile.relocation is not None


# Each lever's title on the page and what it does, in one sentence for the room. What each value
# means exactly (and its source) is the schema's description, shown in reports and docs/ODD.md.
LEVERS: dict[str, tuple[str, str]] = {
    "capex_subsidy": ("Capex subsidy", "A public fund pays part of the price of the cleaner equipment when a firm "
                      "buys it."),
    "green_finance": ("Green loans", "Cheaper credit for the equipment: a lower interest rate, a public guarantee "
                      "that brings firms the banks turn away to credit, and loans taken together through the "
                      "association."),
    "tariff_rebate": ("Import duty rebate", "Refunds part of the import duty on the imported share of the "
                      "equipment."),
    "expansion_rule": ("Expansion rule", "Forbids the options that need a new production line, as a Jiangsu rule "
                       "does for dyeing."),
    "demonstration": ("Demonstration sites", "Firms that run the cleaner option from the start and show it to other "
                      "owners on demo days, their neighbours first."),
    "outreach": ("Outreach", "Training and booklets that make firms aware of the options and, with a costed business "
                 "case, more convinced that they pay."),
    "buyer_platform": ("Buyers' platform", "Export buyers who favour suppliers with cleaner production, so that "
                       "exporters without it risk losing part of their sales."),
    "enforcement": ("Inspections", "Extra inspections on top of the usual ones; each can fine a firm whose treatment "
                    "is not running."),
    "mandate": ("Mandate", "A legal requirement from a set month, with a fine per inspection that finds a firm short; "
                "firms then choose to comply, join a common plant, move or close."),
    "recognition": ("Reward", "A one-off reward or grading prize for every firm that adopts."),
    "common_plant": ("Common plant", "A shared treatment plant that each association builds once enough members "
                     "pledge to join, paid in part by a grant or an interest-free state loan."),
    "relocation": ("Industrial park", "Plots in a park with shared treatment where firms pressed by a mandate can "
                   "move, with part of the plot price and the move paid by government."),
    "vendors": ("Installers", "How many installations the equipment suppliers can make a month; a limit slows "
                "adoption down, and training more installers adds capacity."),
}

NOT_ON_PAGE = {"water": "a model switch (water prices rise with drawdown), not a policy lever"}
"""Levers of the schema left off the page, and why."""

CONTROLS: tuple[Control, ...] = (
    Control("capex_subsidy_share", "share of the price paid", percent=True),
    Control("green_finance_rate_subsidy", "interest-rate cut", percent=True, upper=_bank_rate),
    Control("green_finance_guarantee", "share of firms refused credit that a guarantee brings to credit",
            percent=True),
    Control("green_finance_consortium", "association members can borrow together"),
    Control("tariff_rebate_share", "share of the duty refunded", percent=True),
    Control("expansion_rule_blocks_new_lines", "no new production lines allowed"),
    Control("demonstration_pilots", "number of sites", upper=_pilots),
    Control("outreach_reach_per_month", "firms contacted", upper=_firms_per_year),
    Control("outreach_business_case", "strength of the costed business case (0: awareness only, 1: like a site "
            "visit)", upper=lambda profile, scenario: 3.0, unit_words=""),
    Control("buyer_platform_engaged_share", "share of export buyers taking part", percent=True),
    Control("buyer_platform_pressure", "share of exported sales at risk without cleaner production", percent=True),
    Control("enforcement_extra_inspection_rate", "chance of an extra inspection", percent=True),
    Control("mandate_level", "what firms must have",
            choices=("nothing (no mandate)", "effluent treatment (ETP)", "zero liquid discharge")),
    Control("mandate_deadline_month", "in force from month", upper=_months),
    Control("mandate_legal_uncertainty", "firms' doubt that it survives in court", percent=True),
    Control("mandate_penalty", "fine per inspection that finds a firm short", upper=_penalty_scale(10)),
    Control("recognition_reward", "paid once per adopting firm", upper=_penalty_scale(1)),
    Control("common_plant_enabled", "proposed to each association", available=_has_common_plant),
    Control("common_plant_organising", "the association organises the pledges", available=_has_common_plant),
    Control("common_plant_grant_share", "share of its cost paid by a grant", percent=True,
            available=_has_common_plant),
    Control("common_plant_interest_free_share", "share of its cost lent by the state without interest",
            percent=True, available=_has_common_plant),
    Control("relocation_park_plots", "plots for firms that move", upper=_plots, available=_has_park),
    Control("relocation_land_subsidy", "share of the plot price paid", percent=True, available=_has_park),
    Control("relocation_support_share", "share of the moving cost paid", percent=True, available=_has_park),
    Control("vendors_capacity_per_month", "installations they can make a month (right end: no limit)",
            upper=_installations, unlimited=True, unit_words=""),
    Control("vendors_extra_capacity", "capacity added by training installers", upper=_installations),
)
"""The workshop's levers, in sidebar order."""

BY_KEY = {c.key: c for c in CONTROLS}

# A green-finance scheme exists as soon as any of its sliders is above zero (no separate switch).
_FINANCE = ("green_finance_rate_subsidy", "green_finance_guarantee", "green_finance_consortium")


def offered(profile: Profile) -> tuple[Control, ...]:
    """The controls this cluster has something for (no common-plant sliders without a plant design)."""
    return tuple(c for c in CONTROLS if c.offered(profile))


def model_params(profile: Profile, scenario: Scenario) -> dict[str, dict]:
    """One widget per offered control, starting at the scenario's values (Mesa's ``model_params`` format)."""
    return {c.key: c.param(profile, scenario) for c in offered(profile)}


def defaults(profile: Profile, scenario: Scenario) -> dict[str, Any]:
    """The controls' values as the page shows them for ``scenario`` (a cluster's defaults: every lever off)."""
    return {key: p["value"] for key, p in model_params(profile, scenario).items()}


def clamp(shown: dict[str, Any], profile: Profile, scenario: Scenario) -> dict[str, Any]:
    """Page values made safe: only the cluster's controls, each a value inside its widget's range.

    A page only sends values its widgets allow, but a crafted client can send
    anything; an unknown key or a value that is not a finite number (or one of
    a list's words) is dropped (the lever keeps its default) and a number
    outside the range is moved to its nearest end, so the model is always
    built and nothing raises. An "unlimited" slider at its right end means no
    limit (``inf``).
    """
    out = {}
    for key, value in shown.items():
        control = BY_KEY.get(key)
        if control is None or not control.offered(profile):
            continue
        if control.kind is bool:
            if isinstance(value, bool):
                out[key] = value
            continue
        if control.choices:
            if isinstance(value, str) and value in control.choices:
                out[key] = value
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                out[key] = control.choices[int(min(max(round(value), 0), len(control.choices) - 1))]
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            continue
        lo, hi = (control.shown(b) for b in control.bounds(profile, scenario))
        if control.unlimited and value >= hi:
            out[key] = math.inf
            continue
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
    control = Control(key, "", percent=PARAMETERS[key].is_share)
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
    """One plain sentence per lever on the page, in sidebar order; a lever this cluster lacks says so.

    Returns
    -------
    list of (lever title, sentence)
    """
    out = []
    for lever in dict.fromkeys(c.lever for c in CONTROLS):
        title, sentence = LEVERS[lever]
        if not any(c.offered(profile) for c in CONTROLS if c.lever == lever):
            what = "common plant design" if lever == "common_plant" else "industrial park"
            sentence += f" Not in this cluster: its profile describes no {what}."
        out.append((title, sentence))
    return out
