"""Effects of a sweep's scenarios against its baseline, with paired bootstrap intervals, ranked by any outcome.

Replicate *r* of every variant runs with the same seed as replicate *r* of the
baseline, in the same world (uncertainty sample point, posterior draw; see
``sweep/FORMAT.md``), so an effect is measured cell by cell as paired
differences ``d[w, r] = X_variant[w, r] - X_baseline[w, r]``. Pairing removes
the luck shared by both runs.

Intervals are percentile intervals of a paired bootstrap (Efron & Tibshirani
1993, ch. 13): the same resampled cells for the variant and the baseline and
for every measure of a row, so a ratio such as public cost per extra adopter
is resampled as a ratio of means. With several worlds, worlds and replicates
are crossed; three intervals are given (Owen 2007, "The pigeonhole
bootstrap"): *noise* resamples replicates with the worlds fixed (run-to-run
luck only), *param* resamples worlds with the replicates fixed (what is
unknown about the parameters), and the total resamples both independently.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..sweep.spec import BASELINE, SweepError
from ..sweep.store import variant_names

#: Bootstrap resamples per interval (percentile intervals; the Monte Carlo error of a 90 % bound is a
#: fraction of a standard error at this count).
RESAMPLES = 2000

STATUS_COMPLIANT = "share_firms_compliant_of_initial_firms"


@dataclass(frozen=True)
class Measure:
    """One outcome a comparison can rank by (``adoptsim compare --by NAME``)."""

    name: str          # the --by name
    column: str        # its column in the comparison table (intervals: <column>_lo, _hi, _noise_lo, ...)
    label: str         # header of its column in the tables
    means: str         # one sentence: what the number is
    better: Literal["higher", "lower"]
    money: bool = False
    short: str = ""    # header in the 100-column terminal table


MEASURES: tuple[Measure, ...] = (
    Measure("adoption", "gain_share_adopted", "gain pp",
            "gain in the share of firms that adopted something, percentage points", "higher", short="adopt pp"),
    Measure("compliance", "gain_share_compliant", "comply gain pp",
            "gain in the share of the initial firms meeting the standard in force at their site (own treatment "
            "running or connected to a running common plant), percentage points", "higher", short="comply pp"),
    Measure("water", "gain_water_m3_per_year", "water gain m3/yr", "extra water saved, m3 per year", "higher",
            short="water m3/yr"),
    Measure("pollution", "pollution_reduction_m3eq_per_year", "pollution cut m3-eq/yr",
            "pollution load discharged below the baseline's, m3-equivalent per year", "higher",
            short="pollution cut"),
    Measure("public-cost", "public_cost", "public cost", "extra public money spent up to the horizon", "lower",
            money=True, short="public cost"),
    Measure("cost-per-adopter", "cost_per_extra_adopter", "per extra firm",
            "extra public money per extra adopting firm (ratio of means)", "lower", money=True,
            short="per firm"),
    Measure("cost-per-m3", "cost_per_m3_per_year", "per m3/yr",
            "extra public money per extra m3/yr of water saved (ratio of means)", "lower", money=True,
            short="per m3/yr"),
)
BY = {m.name: m for m in MEASURES}
INTERVALS = ("lo", "hi", "noise_lo", "noise_hi", "param_lo", "param_hi")


def _measure_columns(m: Measure) -> list[str]:
    return [m.column, *(f"{m.column}_{s}" for s in INTERVALS)]


COLUMNS = [
    "variant", "variant_name", "horizon_months", "worlds", "replicates",
    "baseline_share_adopted", "share_adopted", *_measure_columns(BY["adoption"]), "extra_adopters",
    "baseline_share_compliant", "share_compliant", *_measure_columns(BY["compliance"]),
    "water_saved_m3_per_year", *_measure_columns(BY["water"]),
    "pollution_load_m3eq_per_year", *_measure_columns(BY["pollution"]),
    *_measure_columns(BY["public-cost"]), *_measure_columns(BY["cost-per-adopter"]),
    *_measure_columns(BY["cost-per-m3"]),
    # collective layer: shares of the initial firms; treatment running as a share of installed; load
    "share_closed", "share_relocated", "share_treatment_operating", "organic_load_cod_t_per_year",
    "ranked_by", "level", "currency",
]
"""Columns of the comparison table, in order (see :func:`compare`)."""
TEXT = ("variant", "variant_name", "ranked_by", "currency")


def measure(name: str) -> Measure:
    """The measure ``name`` (a ``--by`` value), or a ValueError listing them."""
    try:
        return BY[name]
    except KeyError:
        raise ValueError(f"compare: --by {name}: unknown outcome (one of: {', '.join(BY)})") from None


def clip_horizons(frame: pd.DataFrame, horizons: Iterable[int]) -> list[int]:
    """The horizons (months) to report: clipped to the sweep's last month, deduplicated, sorted.

    A sweep of 36 months asked for 60 and 120 months answers at month 36,
    once, rather than failing or reporting the same month twice.

    Raises
    ------
    ValueError
        If a horizon is negative or none is given.
    """
    horizons = [int(h) for h in horizons]
    if not horizons:
        raise ValueError("compare: give at least one horizon (months)")
    if min(horizons) < 0:
        raise ValueError(f"compare: horizons are months from the start and cannot be negative: {horizons}")
    last = int(frame["month"].max())
    return sorted({min(h, last) for h in horizons})


def paired_interval(diffs: np.ndarray, level: float) -> tuple[float, float, float]:
    """Mean of paired differences and its Student-t interval at ``level`` (NaN bounds for fewer than 2 pairs).

    ``mean ± t_{(1+level)/2, n-1} · sd / sqrt(n)`` with ``ddof=1``: the analytic
    counterpart of the bootstrap intervals, for checks and quick estimates.
    """
    diffs = np.asarray(diffs, dtype=float)
    n = diffs.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(diffs.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf((1 + level) / 2, n - 1) * diffs.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def cluster_currency(cluster: str) -> str:
    """The currency of a cluster profile, ``""`` if it cannot be found."""
    try:
        from ..profiles import load_profile

        return load_profile(cluster).profile.currency
    except (KeyError, TypeError, ValueError, OSError):
        return ""


def currency_of(manifest: dict) -> str:
    """The currency of the sweep's base cluster profile, or ``""`` if it cannot be found."""
    try:
        return cluster_currency(manifest["sweep"]["base"]["cluster"])
    except (KeyError, TypeError):
        return ""


def _variant_currency(manifest: dict, vid: str, base: str) -> str:
    for v in manifest.get("sweep", {}).get("variants", []):
        if v.get("id") == vid and "cluster" in v.get("overrides", {}):
            return cluster_currency(str(v["overrides"]["cluster"]))
    return base


# ---------------------------------------------------------------- paired cells and the bootstrap

#: what each measure is computed from: (column, sign of variant minus baseline); cost and extra adopters feed ratios
_DIFFS = {
    "adoption": ("share_adopted", 1.0), "compliance": (STATUS_COMPLIANT, 1.0),
    "water": ("water_saved_m3_per_year", 1.0), "pollution": ("pollution_load_m3eq_per_year", -1.0),
    "public-cost": ("public_cost_cumulative", 1.0), "extra": ("adopters", 1.0),
}


def _matrix(rows: pd.DataFrame, col: str, worlds: list, reps: list) -> np.ndarray:
    """Values of ``col`` as a worlds x replicates matrix (NaN where the column is missing)."""
    if col not in rows:
        return np.full((len(worlds), len(reps)), np.nan)
    return rows[col].unstack("replicate").reindex(index=worlds, columns=reps).to_numpy(float)


def paired_cells(base: pd.DataFrame, var: pd.DataFrame) -> tuple[list, list]:
    """The (worlds, replicates) grid both runs cover: worlds with any pair, then the replicates paired in all.

    ``base`` and ``var`` are indexed by (world, replicate). With one world this
    is the replicates both have (an unpaired run is left out).
    """
    both = base.index.intersection(var.index)
    worlds = sorted(set(both.get_level_values(0)))
    if not worlds:
        return [], []
    reps = None
    for w in worlds:
        have = set(both[both.get_level_values(0) == w].get_level_values(1))
        reps = have if reps is None else reps & have
    return worlds, sorted(reps or ())


def _quantiles(values: np.ndarray, level: float) -> tuple[float, float]:
    """Percentile bounds of bootstrap values; +inf (a ratio over no gain) makes a bound NaN (unbounded)."""
    values = np.asarray(values, float)
    if values.size == 0 or np.isnan(values).all():
        return math.nan, math.nan
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return (float(lo) if math.isfinite(lo) else math.nan), (float(hi) if math.isfinite(hi) else math.nan)


def _counts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Multinomial resample counts, RESAMPLES x n (each row sums to n)."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=RESAMPLES).astype(float)


def bootstrap_means(cells: dict[str, np.ndarray], rng: np.random.Generator
                    ) -> dict[str, dict[str, np.ndarray]]:
    """Resampled means of every worlds x replicates matrix in ``cells``: {"noise"|"param"|"total": {name: means}}.

    The same resampled worlds and replicates serve every matrix (paired). Noise
    needs two replicates, param two worlds; a part that cannot vary is left out.
    """
    any_cells = next(iter(cells.values()))
    n_worlds, n_reps = any_cells.shape
    cr = _counts(rng, n_reps) if n_reps > 1 else None
    cw = _counts(rng, n_worlds) if n_worlds > 1 else None
    out: dict[str, dict[str, np.ndarray]] = {}
    if cr is not None:
        out["noise"] = {k: cr @ m.mean(axis=0) / n_reps for k, m in cells.items()}
    if cw is not None:
        out["param"] = {k: cw @ m.mean(axis=1) / n_worlds for k, m in cells.items()}
    if cr is not None and cw is not None:
        out["total"] = {k: np.einsum("bw,wr,br->b", cw, m, cr) / (n_worlds * n_reps) for k, m in cells.items()}
    elif out:
        out["total"] = next(iter(out.values()))
    return out


@dataclass(frozen=True)
class Spread:
    """Where the outcomes of an ensemble (worlds x replicates) lie, and what each part adds (see :func:`spread`)."""

    median: float
    lo: float        # total: the runs themselves
    hi: float
    param_lo: float  # the worlds' means (replicates averaged): what the parameter draws alone change
    param_hi: float
    noise_lo: float  # each run minus its world's mean: run-to-run luck at fixed parameters
    noise_hi: float


def spread(cells: np.ndarray, level: float) -> Spread:
    """Median and ``level`` ranges of an outcome over a worlds x replicates matrix, split as :func:`bootstrap_means`.

    The same two margins as the bootstrap's parts, for the outcomes rather than their mean: the
    parameter part is the range of the row means (each world's replicates averaged), the noise part
    the range of the runs' deviations from their row mean; the total is the range of all runs. A part
    that cannot vary (one world; one replicate) is NaN. Bounds are percentile bounds (``inverted_cdf``).
    """
    cells = np.asarray(cells, float)
    if cells.size == 0:
        return Spread(*([math.nan] * 7))
    rows = cells.mean(axis=1)
    param = _quantiles(rows, level) if cells.shape[0] > 1 else (math.nan, math.nan)
    noise = _quantiles(cells - rows[:, None], level) if cells.shape[1] > 1 else (math.nan, math.nan)
    return Spread(float(np.median(cells)), *_quantiles(cells.ravel(), level), *param, *noise)


def _ratio(cost: np.ndarray | float, gain: np.ndarray | float) -> np.ndarray | float:
    """Cost per unit of gain; NaN (point) or +inf (a resample) when nothing was gained."""
    cost, gain = np.asarray(cost, float), np.asarray(gain, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(gain > 0, cost / np.where(gain > 0, gain, 1.0), np.inf)
    out = np.where(np.isnan(cost) | np.isnan(gain), np.nan, out)
    return out if out.ndim else (float(out) if math.isfinite(out) else math.nan)


def _mean(values) -> float:
    """Mean, NaN for no values (without numpy's empty-slice warning)."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()) if values.size else math.nan


def _operating_share(rows: pd.DataFrame) -> float:
    """Operating over installed treatment capacity (own and common), NaN when nothing is installed."""
    cols = ("treatment_installed_own_m3_per_year", "treatment_installed_common_m3_per_year",
            "treatment_operating_own_m3_per_year", "treatment_operating_common_m3_per_year")
    if not all(c in rows for c in cols):
        return math.nan
    installed = _mean(rows[cols[0]] + rows[cols[1]])
    return _mean(rows[cols[2]] + rows[cols[3]]) / installed if installed > 0 else math.nan


def _col_mean(rows: pd.DataFrame, col: str) -> float:
    """Mean of a column, NaN when results written before the column existed lack it."""
    return _mean(rows[col]) if col in rows else math.nan


def _variant_row(base: pd.DataFrame, var: pd.DataFrame, level: float, rng: np.random.Generator,
                 money: bool = True) -> dict:
    """Paired statistics of one variant against the baseline at one horizon.

    ``base`` and ``var`` are the rows at the horizon indexed by (world, replicate).
    """
    worlds, reps = paired_cells(base, var)
    cells = [(w, r) for w in worlds for r in reps]
    b = base.loc[cells] if cells else base.iloc[:0]
    v = var.loc[cells] if cells else var.iloc[:0]
    diffs = {name: sign * (_matrix(v, col, worlds, reps) - _matrix(b, col, worlds, reps))
             for name, (col, sign) in _DIFFS.items()}
    if not money:
        diffs["public-cost"] = np.full_like(diffs["public-cost"], np.nan)
    point = {k: _mean(m) for k, m in diffs.items()}
    point["cost-per-adopter"] = _ratio(point["public-cost"], point["extra"])
    point["cost-per-m3"] = _ratio(point["public-cost"], point["water"])
    boot = bootstrap_means(diffs, rng) if cells else {}
    for part in boot.values():
        part["cost-per-adopter"] = _ratio(part["public-cost"], part["extra"])
        part["cost-per-m3"] = _ratio(part["public-cost"], part["water"])
    row = {
        "worlds": len(worlds), "replicates": len(reps),
        "baseline_share_adopted": _col_mean(b, "share_adopted"), "share_adopted": _col_mean(v, "share_adopted"),
        "extra_adopters": point["extra"],
        "baseline_share_compliant": _col_mean(b, STATUS_COMPLIANT), "share_compliant": _col_mean(v, STATUS_COMPLIANT),
        "water_saved_m3_per_year": _col_mean(v, "water_saved_m3_per_year"),
        "pollution_load_m3eq_per_year": _col_mean(v, "pollution_load_m3eq_per_year"),
        "share_closed": _col_mean(v, "share_firms_closed_of_initial_firms"),
        "share_relocated": _col_mean(v, "share_firms_relocated_park_of_initial_firms")
        + _col_mean(v, "share_firms_relocated_out_of_initial_firms"),
        "share_treatment_operating": _operating_share(v),
        "organic_load_cod_t_per_year": _col_mean(v, "organic_load_cod_t_per_year"),
    }
    for m in MEASURES:
        row[m.column] = point[m.name]
        for part, suffix in (("total", ""), ("noise", "noise_"), ("param", "param_")):
            lo, hi = _quantiles(boot[part][m.name], level) if part in boot else (math.nan, math.nan)
            row[f"{m.column}_{suffix}lo"], row[f"{m.column}_{suffix}hi"] = lo, hi
    return row


def _at_horizon(frame: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Rows of every run at month ``horizon``, indexed by (variant, world, replicate)."""
    rows = frame.loc[frame["month"] == horizon]
    sample = rows["sample"] if "sample" in rows else pd.Series(-1, index=rows.index)
    draw = rows["draw"] if "draw" in rows else pd.Series(-1, index=rows.index)
    rows = rows.assign(world=(sample.astype(np.int64) + 1) * 1_000_000 + draw.astype(np.int64) + 1)
    return rows.set_index(["variant", "world", "replicate"]).sort_index()


def compare(frame: pd.DataFrame, manifest: dict, horizons: Sequence[int] = (60, 120),
            level: float = 0.9, by: str = "adoption") -> pd.DataFrame:
    """Effect of every variant over the baseline at each horizon, with paired bootstrap intervals.

    Parameters
    ----------
    frame, manifest
        What :func:`adoptsim.sweep.load_results` returns.
    horizons
        Months at which to compare; clipped to the sweep's last month (see
        :func:`clip_horizons`).
    level
        Confidence level of the intervals (0.9 = 90 %).
    by
        The outcome to rank by, a name of :data:`MEASURES` (``adoption``,
        ``compliance``, ``water``, ``pollution``, ``public-cost``,
        ``cost-per-adopter``, ``cost-per-m3``).

    Returns
    -------
    pandas.DataFrame
        One row per (variant other than the baseline ``s000``, horizon), with
        the columns of :data:`COLUMNS`: means over the paired cells (worlds x
        replicates) of the variant's outcomes; each measure's effect with its
        bootstrap interval (``_lo``/``_hi``) and, with several worlds, its noise
        and parameter parts (``_noise_*``, ``_param_*``; NaN when a part cannot
        vary); ``extra_adopters`` (firms); cost ratios NaN when the gain is not
        positive, and an upper bound NaN when it is unbounded (the gain's
        interval reaches zero). Rows are ordered by horizon, then by ``by``,
        best first. Money columns are NaN for a variant whose cluster has
        another currency than the baseline's.

    Raises
    ------
    SweepError
        If the results hold no baseline runs.
    """
    if not 0 < level < 1:
        raise ValueError(f"compare: level must be between 0 and 1 (e.g. 0.9 for 90 %), got {level}")
    measure(by)
    if not (frame["variant"] == BASELINE).any():
        raise SweepError(f"compare: no runs of the baseline ({BASELINE}) yet; finish the sweep first")
    names = variant_names(frame, manifest)
    currency = currency_of(manifest)
    seed = int(manifest.get("sweep", {}).get("seed", 0) or 0)
    order = {vid: i for i, vid in enumerate(names)}
    rows = []
    for h in clip_horizons(frame, horizons):
        at = _at_horizon(frame, h)
        present = set(at.index.get_level_values(0))
        base = at.loc[BASELINE] if BASELINE in present else at.iloc[:0].droplevel(0)
        for vid in (v for v in names if v != BASELINE and v in present):
            # one stream per (variant, horizon): intervals do not depend on which rows are compared
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(order[vid], h)))
            same = _variant_currency(manifest, vid, currency) == currency
            rows.append({"variant": vid, "variant_name": names[vid], "horizon_months": h,
                         **_variant_row(base, at.loc[vid], level, rng, money=same),
                         "ranked_by": by, "level": level, "currency": currency})
    table = pd.DataFrame(rows, columns=COLUMNS)
    return rank(table, by)


def rank(table: pd.DataFrame, by: str = "adoption") -> pd.DataFrame:
    """Order by horizon, then by measure ``by`` (best first, NaN last, ties by variant id)."""
    m = measure(by)
    table = table.sort_values("variant", kind="stable")
    table = table.sort_values(["horizon_months", m.column], ascending=[True, m.better == "lower"],
                              na_position="last", kind="stable")
    types = {c: "float64" for c in COLUMNS if c not in TEXT}
    table = table.assign(ranked_by=by)
    return table.reset_index(drop=True).astype({**types, "horizon_months": "int64", "replicates": "int64",
                                                "worlds": "int64"})
