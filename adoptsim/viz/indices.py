"""Sensitivity indices as a chart: which uncertain parameters matter, with their uncertainty."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

OUTCOME_WORDS = {
    "share_adopted": "the share of firms that adopted",
    "share_aware": "the share of firms aware of cleaner options",
    "adopters": "the number of firms that adopted",
    "water_saved_m3_per_year": "the water saved",
    "chemicals_avoided_t_per_year": "the chemicals avoided",
    "power_avoided_kw": "the power avoided",
    "pollution_load_m3eq_per_year": "the pollution load discharged",
    "public_cost_cumulative": "the public money spent",
    "private_investment_cumulative": "the private investment",
    "compliant": "the number of compliant firms",
}


def outcome_words(outcome: str) -> str:
    """A plain-language name for an outcome column."""
    if outcome in OUTCOME_WORDS:
        return OUTCOME_WORDS[outcome]
    if outcome.startswith("share_"):
        return "the share adopted: " + outcome.removeprefix("share_").replace("_", " ")
    return outcome.replace("_", " ")


def indices_chart(table: pd.DataFrame, method: str, outcome: str, *, month: int | None = None) -> plt.Figure:
    """Horizontal bars of the indices with 95 % confidence intervals, most influential on top.

    Sobol': first-order ``S1`` (the parameter alone) and total ``ST`` (with its
    interactions) side by side. Morris: ``mu_star`` (mean absolute effect of
    moving the parameter across its range), ``sigma`` as a marker.
    """
    if method not in ("sobol", "morris"):
        raise ValueError(f"method: {method!r} is not one of sobol, morris")
    key = "ST" if method == "sobol" else "mu_star"
    table = table.sort_values(key, ascending=True)  # barh draws bottom-up: largest ends on top
    names = [str(n) for n in table.index]
    y = np.arange(len(table))
    fig, ax = plt.subplots(figsize=(8, 2.6 + 0.55 * len(table)), layout="constrained")
    when = f" at month {month}" if month is not None else ""
    what = outcome_words(outcome)
    if method == "sobol":
        h = 0.38
        ax.barh(y + h / 2, table["ST"], h, xerr=table["ST_conf"], color="tab:blue", capsize=3,
                label="total: alone and through interactions (ST)")
        ax.barh(y - h / 2, table["S1"], h, xerr=table["S1_conf"], color="tab:orange", capsize=3,
                label="first order: the parameter alone (S1)")
        ax.set_xlabel("share of the outcome's variance explained (lines: 95 % confidence intervals)")
        low = np.nanmin(np.r_[table["S1"] - table["S1_conf"], table["ST"] - table["ST_conf"], 0.0])
        high = np.nanmax(np.r_[table["S1"] + table["S1_conf"], table["ST"] + table["ST_conf"], 1.0])
        ax.set_xlim(float(low) - 0.02, float(high) + 0.02)
        title = f"Which uncertain parameters explain the spread in {what}{when}?"
    else:
        ax.barh(y, table["mu_star"], 0.6, xerr=table["mu_star_conf"], color="tab:blue", capsize=3,
                label="mean absolute effect (mu*)")
        ax.plot(table["sigma"], y, "D", color="white", markeredgecolor="black", markersize=7,
                label="spread of the effect (sigma): interactions or non-linearity")
        ax.set_xlabel(textwrap.fill(f"change in {outcome} when the parameter moves across its whole range "
                                    "(lines: 95 % confidence intervals)", 90))
        ax.set_xlim(left=0)
        title = f"Which uncertain parameters move {what}{when} the most? (Morris screening)"
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, names)
    ax.grid(axis="x", alpha=0.3)
    fig.legend(fontsize=8, frameon=False, loc="outside lower center", ncols=2)
    fig.suptitle(textwrap.fill(title, 80), fontsize=10, x=0.01, ha="left")
    return fig
