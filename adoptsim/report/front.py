"""An ``adoptsim optimise`` folder in the report: which mix on the Pareto front gains most within the budget,
which is cheapest, the front as a table (levers and objectives in words) and the front figure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from markupsafe import Markup

from .files import OPTIMISE_FILES, ReportError, profile_near, read_csv, read_json
from .names import key_words, plain_name, value_words
from .page import frame_table
from .sections import Section
from .slides import Figure
from .text import number, percent

COST = "public_cost"


def _objective_value(name: str, x: float, currency: str) -> str:
    if name == COST:
        return f"{number(x)} {currency}".strip()
    return percent(x) if name.startswith("share_") else f"{x:,.4g}"


def optimise_section(folder: Path) -> Section:
    """The front of one optimise folder (``pareto.csv``, ``summary.json``, ``pareto.png`` if there)."""
    from ..optimise.output import axis_label

    summary = read_json(folder / OPTIMISE_FILES[1])
    objectives = summary.get("objectives")
    levers = summary.get("levers")
    if not isinstance(objectives, dict) or not objectives or not isinstance(levers, dict):
        raise ReportError(f"{folder / OPTIMISE_FILES[1]}: no 'objectives' and 'levers' (not written by adoptsim "
                          "optimise?)")
    shown = list(dict.fromkeys([*objectives, COST]))
    front = read_csv(folder / OPTIMISE_FILES[0], [*levers, *shown])
    profile = profile_near(folder)
    currency = profile.profile.currency if profile is not None else ""
    budget = summary.get("budget")
    sec = Section(f"Optimisation {summary.get('problem') or folder.name}")
    mix = lambda r: plain_name(", ".join(f"{k}={value_words(k, r[k], None)}" for k in levers), profile)  # noqa: E731
    money = lambda x: _objective_value(COST, x, currency)  # noqa: E731
    within = f" within the budget of {money(budget)}" if isinstance(budget, (int, float)) else ""
    if front.empty:
        sec.intro.append(f"No mix of the levers stays{within}: raise the budget or lower the levers' upper bounds.")
        return sec
    gain = next((o for o, sense in objectives.items() if sense == "max" and o != COST), None)
    if gain is None:
        gain = next((o for o in objectives if o != COST), COST)
    top = front.loc[front[gain].idxmax() if objectives.get(gain) != "min" else front[gain].idxmin()]
    cheap = front.loc[front[COST].idxmin()]
    what = axis_label(gain)
    said = (f"{len(front)} mixes of {len(levers)} levers are on the front (none does better on one objective "
            f"without doing worse on another){within}. “{mix(top)}” gives the best {what[0].lower() + what[1:]}: "
            f"{_objective_value(gain, top[gain], currency)}, for {money(top[COST])} of public money.")
    if cheap.name != top.name:
        said += (f" The cheapest, “{mix(cheap)}”, costs {money(cheap[COST])} and gives "
                 f"{_objective_value(gain, cheap[gain], currency)}.")
    sec.intro.append(Markup("<b>{}</b>").format(said))
    table = pd.DataFrame({key_words(k): [value_words(k, v, profile) for v in front[k]] for k in levers})
    for o in shown:
        sense = objectives.get(o)
        table[axis_label(o, sense) + (f" ({currency})" if o == COST and currency else "")] = [
            _objective_value(o, v, currency) if o != COST else number(v) for v in front[o]]
    order = front[gain].to_numpy(float).argsort(kind="stable")
    table = table.iloc[order[::-1] if objectives.get(gain) != "min" else order]
    sec.tables.append(frame_table(table, heading=f"The Pareto front ({OPTIMISE_FILES[0]})"))
    png = folder / "pareto.png"
    if png.is_file():
        sec.figures.append(Figure("The Pareto front", "Grey: every mix evaluated (hollow: over the budget); "
                                  "black: the mixes on the front.", png.read_bytes()))
    return sec
