"""The report's first sentences for a sweep: which scenario answers the question best, how sure, at what cost.

Built from the comparison table of :func:`adoptsim.compare.compare` (one source for the numbers), at
the table's last horizon: the largest adoption gain with its interval and public cost, the cheapest
extra adopter among the gains that are clearly above zero, the largest water saving, and a gain that
costs no public money, each said only when it is a different scenario from the ones already named.
"""

from __future__ import annotations

import pandas as pd

from .text import number, percent, points, when


def _interval(r) -> str:
    if pd.isna(r.gain_share_adopted_lo):
        return ""
    return f" ({points(r.gain_share_adopted_lo)} to {points(r.gain_share_adopted_hi)})"


def headline(table: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """Plain-language sentences answering "which package does most, how sure are we, what does it cost"."""
    if not len(table):
        return []
    last = int(table["horizon_months"].max())
    rows = table[table["horizon_months"] == last].reset_index(drop=True)
    cur = str(rows["currency"].iloc[0]) if pd.notna(rows["currency"].iloc[0]) else ""
    level = f"{100 * float(rows['level'].iloc[0]):g} %"
    name = lambda r: names.get(r.variant, r.variant_name)  # noqa: E731
    money = lambda x: f"{number(x)} {cur}".strip()  # noqa: E731
    best = rows.loc[rows["gain_share_adopted"].idxmax()]
    clear = rows[rows["gain_share_adopted_lo"] > 0]
    said = [
        f"Of {len(rows)} scenarios, “{name(best)}” raises adoption most after {when(last)}: "
        f"{points(best.gain_share_adopted)} points{_interval(best)} above the baseline's "
        f"{percent(best.baseline_share_adopted)}, for {money(best.public_cost)} of public money"
        + (f" ({money(best.cost_per_extra_adopter)} per extra adopting firm)."
           if pd.notna(best.cost_per_extra_adopter) and best.public_cost > 0 else ".")
    ]
    if not len(clear):
        said.append(f"No scenario's gain is clearly above zero: every {level} interval reaches zero or below, "
                    "so the differences may be luck; more replicates would tell.")
        return said
    if pd.isna(best.gain_share_adopted_lo) or best.gain_share_adopted_lo <= 0:
        said.append(f"Its {level} interval reaches zero, so that lead may be luck.")
    named = {best.variant}
    paid = clear[(clear["public_cost"] > 0) & clear["cost_per_extra_adopter"].notna()]
    if len(paid):
        cheap = paid.loc[paid["cost_per_extra_adopter"].idxmin()]
        if cheap.variant not in named:
            said.append(f"“{name(cheap)}” buys extra adopters most cheaply: {money(cheap.cost_per_extra_adopter)} "
                        f"per extra firm ({points(cheap.gain_share_adopted)} points).")
            named.add(cheap.variant)
    water = rows.loc[rows["gain_water_m3_per_year"].idxmax()] if rows["gain_water_m3_per_year"].notna().any() else None
    if water is not None and water.gain_water_m3_per_year > 0 and water.variant not in named:
        said.append(f"“{name(water)}” saves the most water: {number(water.gain_water_m3_per_year, 0, True)} m³ a "
                    "year more than the baseline.")
        named.add(water.variant)
    free = clear[clear["public_cost"] <= 0]
    if len(free):
        top = free.loc[free["gain_share_adopted"].idxmax()]
        if top.variant not in named:
            said.append(f"“{name(top)}” adds {points(top.gain_share_adopted)} points{_interval(top)} at no public "
                        "cost.")
    return said
