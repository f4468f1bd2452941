"""What a target may name: outcome columns, structural measures of an option, scenario inputs; units and ranges.

:func:`quantity_problem` says why a (quantity, role, cluster) is not a target
quantity; :func:`expected_unit` and :func:`quantity_range` give the unit and the
allowed values of the figure.
"""

from __future__ import annotations

import re

from ..profiles import SIZES

ROLES = ("behavioural", "lever_check", "input", "structural", "qualitative")
SIMULATED_ROLES = ("behavioural", "lever_check")

#: Columns of the monthly outcome table that a target may name (besides the per-option,
#: per-sector and per-size shares). Kept equal to ``outcomes.series_columns`` by a test.
COUNT_COLUMNS = ("firms", "aware", "adopters", "compliant", "installs", "outreach_contacts", "reached")
SHARE_COLUMNS = ("share_aware", "share_adopted", "share_members", "share_non_members",
                 "share_adopted_among_reached")
COHORT = "cohort_share_adopted_among_reached"
#: Pattern statistics read from a calibration run at ``month``: 1 if the run reproduces the pattern, 0 if not,
#: so averaged over replicates the pass rate (pattern number of adoptsim validate, same thresholds).
PATTERN_STATISTICS = {
    "pattern_s_shaped": 1,             # one run's adoption curve: slow first year, interior growth peak, and
                                       # first- and last-year growth below a third of the peak
    "pattern_members_adopt_more": 2,   # members (demo sites excluded) adopt >= 1.2x as often as non-members
    "pattern_practice_first": 3,       # the practice package's gain since month 0 leads every other option's
                                       # every month and ends >= 2x ahead (pilots placed at month 0 excluded)
    "pattern_upgrades_when_open": 6,   # with new lines allowed, >= 0.5 % of firms install the new-line upgrade
    "pattern_finance_helps_small": 4,  # a guarantee and consortium loans (same seed) add > 5 points of adoption
                                       # among micro and among small firms
}
PHYSICAL_COLUMNS = {"water_saved_m3_per_year": "m3/yr", "chemicals_avoided_t_per_year": "t/yr",
                    "power_avoided_kw": "kW", "pollution_load_m3eq_per_year": "m3eq/yr"}
MONEY_COLUMNS = {"net_savings_per_year": "{cur}/yr", "private_investment": "{cur}",
                 "private_investment_cumulative": "{cur}", "public_cost_total": "{cur}",
                 "public_cost_cumulative": "{cur}"}
SHARE_PREFIXES = ("share_option_", "share_sector_", "share_size_")
#: Structural measures of an option: (unit, per-firm total needs a size and n_firms).
STRUCTURAL_MEASURES = {
    "payback_months": ("months", False),
    "water_saving": ("share", False),
    "investment": ("{cur}", True),
    "savings_per_year": ("{cur}/yr", True),
    "water_saved_m3_per_year": ("m3/yr", True),
    "chemicals_t_per_year": ("t/yr", True),
    "power_kw": ("kW", True),
}
MAX_MONTH = 1200  # months since a scenario's month 0 that a figure may refer to
STRUCTURAL = re.compile(r"([A-Za-z0-9_]+)\.([a-z0-9_]+)(?:@([a-z]+))?")


def profile(cluster: str):
    """The cluster profile (cached by :func:`adoptsim.profiles.load_profile`)."""
    from ..profiles import load_profile

    return load_profile(cluster)


def structural_measure(quantity: str) -> str:
    """``bwmp.investment@medium`` -> ``investment``."""
    return quantity.split(".", 1)[1].split("@")[0]


def expected_unit(quantity: str, role: str, currency: str) -> str | None:
    """The unit a quantity must be given in (None: any non-empty unit, for inputs and qualitative rows)."""
    if role in ("input", "qualitative"):
        return None
    if role == "structural":
        measure = structural_measure(quantity)
        return STRUCTURAL_MEASURES[measure][0].format(cur=currency)
    if quantity in COUNT_COLUMNS:
        return "firms"
    if (quantity in SHARE_COLUMNS or quantity == COHORT or quantity in PATTERN_STATISTICS
            or quantity.startswith(SHARE_PREFIXES)):
        return "share"
    if quantity in PHYSICAL_COLUMNS:
        return PHYSICAL_COLUMNS[quantity]
    if quantity in MONEY_COLUMNS or quantity.startswith("public_cost_"):
        return MONEY_COLUMNS.get(quantity, "{cur}").format(cur=currency)
    return None


def quantity_range(quantity: str, role: str) -> tuple[float | None, float | None]:
    """Allowed range of a target's value/low/high."""
    if role in ("input", "qualitative"):
        return (None, None)
    if role == "structural":
        measure = structural_measure(quantity)
        if measure == "water_saving":
            return (0.0, 1.0)
        return (None, None) if measure == "savings_per_year" else (0.0, None)
    if expected_unit(quantity, role, "") == "share":
        return (0.0, 1.0)
    if quantity == "net_savings_per_year":
        return (None, None)
    return (0.0, None)



def quantity_problem(quantity: str, role: str, cluster: str) -> tuple[str, str] | None:
    """(problem, allowed) if ``quantity`` is not a known model quantity for ``role`` and ``cluster``, else None."""
    prof = profile(cluster)
    if role == "input":
        from ..scenario import flat_keys

        if quantity not in flat_keys():
            return (f"{quantity!r} is not a scenario parameter",
                    "a flat scenario key, e.g. n_firms, demonstration_pilots, outreach_reach_per_month")
        return None
    if role == "qualitative":
        return None
    if role == "structural":
        m = STRUCTURAL.fullmatch(quantity)
        allowed = (f"<option>.<measure>[@<size>] with option in {', '.join(prof.option_names)}, measure in "
                   f"{', '.join(STRUCTURAL_MEASURES)}, size in {', '.join(SIZES)}")
        if not m or m.group(1) not in prof.option_names or m.group(2) not in STRUCTURAL_MEASURES:
            return f"{quantity!r} is not a structural quantity of cluster {cluster!r}", allowed
        if m.group(3) is not None and m.group(3) not in SIZES:
            return f"unknown size {m.group(3)!r}", allowed
        if STRUCTURAL_MEASURES[m.group(2)][1] and m.group(3) is None:
            return (f"{m.group(2)!r} is a total over firms and needs a size, e.g. {m.group(1)}.{m.group(2)}@medium",
                    allowed)
        return None
    names = (list(COUNT_COLUMNS) + list(SHARE_COLUMNS) + [COHORT] + list(PATTERN_STATISTICS)
             + list(PHYSICAL_COLUMNS) + list(MONEY_COLUMNS)
             + [f"share_option_{o}" for o in prof.option_names]
             + [f"share_sector_{s}" for s in prof.sectors] + [f"share_size_{z}" for z in SIZES])
    if quantity not in names:
        return f"{quantity!r} is not an outcome of cluster {cluster!r}", ", ".join(names)
    return None
