"""The report's first sentences for a sweep: which scenario answers the question best, how sure, at what cost.

Built from the comparison table of :func:`adoptsim.compare.compare` (one source for the numbers), at
the table's last horizon, for the outcome the table is ranked by (``adoptsim report --by``): the best
scenario on it with its interval and public cost. Ranked by adoption (the default), then the cheapest
extra adopter among the gains that are clearly above zero, the largest water saving, and a gain that
costs no public money; ranked by another outcome, the scenario that raises adoption most. Each is said
only when it is a different scenario from the ones already named.
"""

from __future__ import annotations

import pandas as pd

from ..compare import BY, Measure
from .measures import BASELINE_LEVEL, WORDING, bare, ranked_by, value
from .text import number, percent, points, when


def _interval(r, m: Measure = BY["adoption"]) -> str:
    lo, hi = getattr(r, f"{m.column}_lo"), getattr(r, f"{m.column}_hi")
    if pd.isna(lo):
        return ""
    return f" ({bare(m, lo)} to {bare(m, hi)})"


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
    m = ranked_by(table)
    if m.name != "adoption":
        return _other(rows, m, last, name, cur, level)
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


def _other(rows: pd.DataFrame, m: Measure, last: int, name, cur: str, level: str) -> list[str]:
    """The headline for a ranking by ``m`` other than adoption: its best scenario (the table's first row with a
    value), how sure, what it costs or buys, and the scenario that raises adoption most if it is another."""
    w = WORDING[m.name]
    money = lambda x: value(BY["public-cost"], x, cur)  # noqa: E731
    ranked = rows[rows[m.column].notna()]
    if not len(ranked):
        return [f"No scenario has a value for {w.noun} after {when(last)}"
                + (": none gains what that money would buy, so there is nothing to divide by." if m.money
                   and m.name != "public-cost" else ".")]
    best = ranked.iloc[0]
    base = BASELINE_LEVEL.get(m.name)
    versus = w.versus.format(base=percent(best[base]) if base else "")
    gain = BY[w.gain]
    if m.money:
        tail = f"; it adds {value(gain, best[gain.column])} of {WORDING[gain.name].noun}."
    else:
        tail = f", for {money(best.public_cost)} of public money."
    if not m.money and not best[m.column] > 0:  # nothing gained: no "most" to name
        said = [f"No scenario gains {w.noun} after {when(last)}: the largest gain, “{name(best)}”'s, is "
                f"{value(m, best[m.column], cur)}{_interval(best, m)}{versus}."]
    else:
        said = [f"Of {len(rows)} scenarios, “{name(best)}” {w.most} after {when(last)}: "
                f"{value(m, best[m.column], cur)}{_interval(best, m)}"
                f"{versus}{tail}"]
    if not m.money and best[m.column] > 0:
        if not (rows[f"{m.column}_lo"] > 0).any():
            said.append(f"No scenario's gain in {w.noun} is clearly above zero: every {level} interval reaches "
                        "zero or below, so the differences may be luck; more replicates would tell.")
        elif pd.isna(best[f"{m.column}_lo"]) or best[f"{m.column}_lo"] <= 0:
            said.append(f"Its {level} interval reaches zero, so that lead may be luck.")
    top = rows.loc[rows["gain_share_adopted"].idxmax()] if rows["gain_share_adopted"].notna().any() else None
    if top is not None and top.variant != best.variant:
        said.append(f"For adoption, “{name(top)}” does most: {points(top.gain_share_adopted)} points"
                    f"{_interval(top)}.")
    return said
