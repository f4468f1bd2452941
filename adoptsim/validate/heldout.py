r"""Held-out settings: observed Kanpur and Taihu figures (not used to calibrate) against the model.

``targets``: CSV with a ``set`` column (``calibration`` | ``validation``);
only validation rows are used. Recognised columns: ``cluster``; ``quantity``
(or ``target``, ``name``, ``variable``, ``statistic``, ``outcome``);
``value`` (or ``observed``); optional ``month``, ``low``, ``high``,
``kind`` (a value ``input`` or ``engagement`` marks an intervention count),
``scenario`` (a scenario TOML, relative to the targets file), ``source``.
A row is compared when its quantity is an outcome column of the model
(:func:`adoptsim.outcomes.series_columns`, plus ``share_compliant``);
engagement counts (firms assessed, sensitised, demonstration sites, firms
engaged, association size, cluster size) set up the scenario and are skipped.

Held-out scenarios (:data:`HELDOUT`) use the engagement counts as inputs:
Kanpur with 10 demonstration tanneries and about 120 outreach contacts over
four years (50 assessed + 70 sensitised), Taihu with one demonstration mill
and the rule against new lines; each is run at the profile's size, 8 runs per
parameter set, to the row's month (default 48). Besides the compared rows,
``heldout.csv`` lists the predicted awareness and adoption there ("prediction
only"), so a researcher sees what the model expects even with no figure.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..population import build_world
from ..scenario import Scenario, flat_keys, load_scenario
from .experiments import _scenario, _seeds

SHIPPED = Path(__file__).resolve().parents[1] / "experiments"  # the shipped scenario files (package data)
HELDOUT_MONTH = 48
HELDOUT_REPLICATES = 8
HELDOUT: dict[str, dict[str, Any]] = {
    # Kanpur: 10 demonstration tanneries; 50 assessed + 70 sensitised = about 120 distinct tanneries reached by
    # month 24 (as calibration/data/targets.csv reads it): 7.5 contacts a month through the association
    "kanpur": dict(cluster="kanpur", demonstration_pilots=10, demonstration_option="good_practice",
                   demonstration_placement="association", outreach_reach_per_month=7.5),
    # Taihu pilot park: one demonstration mill; the Jiangsu rule blocks new lines (adoptsim/experiments/taihu-baseline.toml)
    "taihu": dict(cluster="taihu", demonstration_pilots=1, demonstration_option="good_practice",
                  demonstration_placement="association", expansion_rule_blocks_new_lines=True),
}
COUNT_QUANTITIES = ("adopters", "aware", "reached", "compliant", "installs", "outreach_contacts")
INPUT_COLUMNS = ("reached", "outreach_contacts", "firms")  # outcomes that echo the set-up, unless role says so
INPUT_WORDS = ("assess", "sensitis", "sensitiz", "demonstration", "demo", "pilot", "engaged", "member",
               "association", "tanner", "mill", "firm", "sme", "park", "reached", "outreach", "contact")
_ALIASES = {"quantity": ("quantity", "target", "name", "variable", "statistic", "outcome", "measure"),
            "value": ("value", "observed", "target_value"), "role": ("role", "kind")}
_INPUT = "an engagement count set by the programme (an input of the scenario), not an outcome"
_SKIP_ROLES = {"input": _INPUT, "engagement": _INPUT,
               "structural": "a property of the cluster profile, checked in tests, not by simulation",
               "qualitative": "a statement without a number; the pattern checks above cover it"}


def _column(frame: pd.DataFrame, role: str) -> str | None:
    return next((c for c in _ALIASES.get(role, (role,)) if c in frame.columns), None)


@functools.lru_cache(maxsize=16)
def _outcome_columns(cluster: str) -> frozenset[str]:
    from ..outcomes import series_columns

    w = build_world(_scenario(dict(cluster=cluster, n_firms=5, months=1)))
    cols = series_columns(w.series, w.profile, w.firms.shape[0], np.ones(len(w.profile.sectors), int),
                          np.ones(3, int), np.ones(2, int))
    return frozenset(set(cols) | {"share_compliant"})


def classify_target(quantity: str, role: str, outcomes: Iterable[str]) -> tuple[str, str]:
    """('compare' | 'skip', reason) for one validation row.

    ``role`` follows calibration/data/targets.csv (behavioural, lever_check, input, structural,
    qualitative; empty if the file has no such column). Without a role, outcome columns that only echo
    the set-up (firms reached, contacts) and names that read as engagement counts are inputs.
    """
    q, role = quantity.strip().lower(), role.strip().lower()
    if role in _SKIP_ROLES:
        return "skip", _SKIP_ROLES[role]
    if q in outcomes and (role in ("behavioural", "lever_check") or q not in INPUT_COLUMNS):
        return "compare", ("a check of the intervention setting, not of behaviour" if role == "lever_check"
                           else "")
    if any(word in q for word in INPUT_WORDS):
        return "skip", _INPUT
    return "skip", "no model quantity of this name"


def _scenario_settings(name: str, cluster: str, folder: Path) -> tuple[dict[str, Any] | None, str]:
    """Lever settings of a held-out scenario: a TOML found by name, else the built-in setting of the cluster."""
    if name:
        stem = name if name.endswith(".toml") else f"{name}.toml"
        for candidate in (folder / stem, folder.parent / stem, folder.parent / "experiments" / stem,
                          folder.parent.parent / "experiments" / stem, Path("experiments") / stem,
                          SHIPPED / stem):
            if candidate.is_file():
                sc = load_scenario(candidate)
                settings = dict(cluster=sc.cluster, **_lever_overrides(sc))
                if sc.n_firms is not None:
                    settings["n_firms"] = sc.n_firms
                return settings, f"scenario {candidate}"
    if cluster in HELDOUT:
        return HELDOUT[cluster], (f"scenario {name!r} not found: the built-in {cluster} setting" if name
                                  else f"the built-in {cluster} setting")
    return None, f"no held-out scenario for cluster {cluster!r} (built in: {', '.join(HELDOUT)})"


def _lever_overrides(scenario: Scenario) -> dict[str, Any]:
    """The flat lever values of ``scenario`` (behaviour comes from the parameter set)."""
    data = scenario.model_dump()
    return {flat: data[path[0]][path[1]][path[2]] for flat, path in flat_keys().items() if path[0] == "levers"}


def _predict(settings: dict, params_sets: list[dict], months: int) -> dict[str, np.ndarray]:
    """Outcome columns of every (parameter set, replicate) run: name -> (runs, months + 1)."""
    from ..sweep.work import run_replicate

    runs = []
    for i, params in enumerate(params_sets):
        base = _scenario(settings, params, dict(months=months))
        for seed in _seeds(100 + i, HELDOUT_REPLICATES):
            cols = run_replicate(base.model_copy(update={"seed": seed}))
            cols["share_compliant"] = cols["compliant"] / cols["firms"]
            runs.append(cols)
    return {k: np.array([r[k] for r in runs]) for k in runs[0]}


def _number(row: pd.Series, column: str | None) -> float:
    if column is None or column not in row.index or pd.isna(row[column]):
        return float("nan")
    try:
        return float(row[column])
    except (TypeError, ValueError):
        return float("nan")


def heldout_check(targets: str | Path, params_sets: list[dict]) -> tuple[pd.DataFrame | None, list[str]]:
    """Predicted against observed for the validation rows of ``targets``; inputs and the like are skipped.

    Returns the held-out table (one row per validation row, then "prediction only" rows with the
    model's awareness and adoption in each held-out cluster) and notes for the report.
    """
    path = Path(targets)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such targets file")
    frame = pd.read_csv(path)
    if "set" not in frame.columns:
        return None, [f"targets {path.name}: no 'set' column, so no validation rows: held-out check not run"]
    rows = frame[frame["set"].astype(str).str.strip().str.lower() == "validation"]
    if rows.empty:
        return None, [f"targets {path.name}: no rows with set = validation: held-out check not run"]
    qcol, vcol, rcol = _column(rows, "quantity"), _column(rows, "value"), _column(rows, "role")
    if qcol is None or vcol is None or "cluster" not in rows.columns:
        return None, [f"targets {path.name}: validation rows need cluster, quantity and value columns "
                      f"(found {', '.join(map(str, rows.columns))}): held-out check not run"]
    out, cache = [], {}

    def predict(settings: dict, month: int) -> dict[str, np.ndarray]:
        key = (json.dumps(settings, sort_keys=True, default=str), month)
        if key not in cache:
            cache[key] = _predict(settings, params_sets, month)
        return cache[key]

    for _, row in rows.iterrows():
        cluster, quantity = str(row["cluster"]).strip().lower(), str(row[qcol]).strip()
        month = _number(row, "month")
        role = "" if rcol is None or pd.isna(row[rcol]) else str(row[rcol]).strip()
        rec = dict(id="" if "id" not in rows.columns or pd.isna(row["id"]) else str(row["id"]), cluster=cluster,
                   quantity=quantity, role=role, month=month, observed=_number(row, vcol),
                   low=_number(row, "low"), high=_number(row, "high"),
                   status="skipped", reason="", setting="", predicted_mean=np.nan, predicted_low=np.nan,
                   predicted_high=np.nan, agrees=None)
        out.append(rec)
        name = "" if "scenario" not in rows.columns or pd.isna(row["scenario"]) else str(row["scenario"]).strip()
        settings, setting = _scenario_settings(name, cluster, path.parent)
        rec["setting"] = setting
        if settings is None:
            rec["reason"] = setting
            continue
        status, reason = classify_target(quantity, role, _outcome_columns(settings["cluster"]))
        rec["reason"] = reason
        if status != "compare" or not np.isfinite(rec["observed"]):
            rec["reason"] = reason or "no observed value"
            continue
        month = int(month) if np.isfinite(month) else HELDOUT_MONTH
        values = predict(settings, month)
        simulated = float(values["firms"][0, 0])
        figure_firms = _number(row, "n_firms")
        if quantity.lower() in COUNT_QUANTITIES:
            if rec["observed"] > simulated and not np.isfinite(figure_firms):
                rec["reason"] = (f"the figure counts {rec['observed']:g} firms, more than the {simulated:g} the "
                                 f"held-out setting simulates ({setting}): it describes a wider setting")
                continue
            scale = figure_firms / simulated if np.isfinite(figure_firms) else 1.0
        else:
            scale = 1.0
        got = values[quantity.lower()][:, month] * scale
        lo, hi = (float(x) for x in np.quantile(got, [0.05, 0.95]))
        t_lo = rec["low"] if np.isfinite(rec["low"]) else rec["observed"]
        t_hi = rec["high"] if np.isfinite(rec["high"]) else rec["observed"]
        agrees = bool(t_lo <= hi and t_hi >= lo)
        rec.update(status="compared", month=month, predicted_mean=float(got.mean()), predicted_low=lo,
                   predicted_high=hi, agrees=agrees,
                   reason=("overlaps" if agrees else "outside") + " the model's 5-95 % range"
                   + (f"; {reason}" if reason else ""))
    for cluster in sorted({r["cluster"] for r in out if r["cluster"] in HELDOUT}):
        months = [r["month"] for r in out if r["cluster"] == cluster and np.isfinite(r["month"])]
        month = int(max(months, default=HELDOUT_MONTH))
        values = predict(HELDOUT[cluster], month)
        done = {r["quantity"].lower() for r in out
                if r["cluster"] == cluster and r["status"] == "compared" and r["month"] == month}
        for quantity in (q for q in ("share_aware", "share_adopted", "adopters") if q not in done):
            got = values[quantity][:, month]
            lo, hi = np.quantile(got, [0.05, 0.95])
            out.append(dict(id="", cluster=cluster, quantity=quantity, role="prediction", month=month,
                            observed=np.nan, low=np.nan, high=np.nan, status="prediction only",
                            reason="what the model expects; no observed figure", setting=f"the built-in {cluster} "
                            "setting", predicted_mean=float(got.mean()), predicted_low=float(lo),
                            predicted_high=float(hi), agrees=None))
    notes = []
    compared = [r for r in out if r["status"] == "compared"]
    if not compared:
        notes.append(f"targets {path.name}: none of the {len(rows)} validation rows is a model outcome "
                     "(engagement counts are inputs of the held-out scenarios), so nothing was compared")
    elif all(r["role"] == "lever_check" for r in compared):
        notes.append(f"targets {path.name}: the only held-out rows compared are lever checks (they test the "
                     "intervention setting, not behaviour)")
    table = pd.DataFrame(out)
    table["month"] = table["month"].astype("Float64").round().astype("Int64")
    return table, notes
