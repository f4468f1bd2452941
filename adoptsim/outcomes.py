"""Outcomes: the monthly series as a table, a summary, and files on disk.

Tables are wide, one row per month (row 0 = the initial state). Column
groups: ``share_*`` adoption shares (overall, by option, sector, size and
association membership), physical savings, money, and ``public_cost_*`` by
lever. Files are written atomically (temporary name, then rename) with the
scenario and the package version in the Parquet metadata.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .profiles import SIZES, Profile
from .scenario import Scenario
from .state import PUBLIC, Series


def _share(count: np.ndarray, total: np.ndarray | int) -> np.ndarray:
    total = np.asarray(total, dtype=float)
    return np.divide(count, total, out=np.zeros(np.shape(count), float), where=total > 0)


def series_frame(series: Series, profile: Profile, n_firms: int, sector_sizes: np.ndarray,
                 size_sizes: np.ndarray, member_sizes: np.ndarray) -> pd.DataFrame:
    """The monthly series as a DataFrame; group shares are of the group's firms."""
    return pd.DataFrame(series_columns(series, profile, n_firms, sector_sizes, size_sizes, member_sizes))


def series_columns(series: Series, profile: Profile, n_firms: int, sector_sizes: np.ndarray,
                   size_sizes: np.ndarray, member_sizes: np.ndarray) -> dict[str, np.ndarray]:
    """The monthly series as named columns (the table without pandas, for sweeps)."""
    T = series.adopters.shape[0]
    cols: dict[str, np.ndarray] = {
        "month": np.arange(T),
        "year": np.arange(T) / 12.0,
        "firms": np.full(T, n_firms),
        "aware": series.aware,
        "adopters": series.adopters,
        "share_aware": _share(series.aware, n_firms),
        "share_adopted": _share(series.adopters, n_firms),
    }
    for k, name in enumerate(profile.option_names):
        cols[f"share_option_{name}"] = _share(series.by_option[:, k], n_firms)
    for s, name in enumerate(profile.sectors):
        cols[f"share_sector_{name}"] = _share(series.by_sector[:, s], sector_sizes[s])
    for z, name in enumerate(SIZES):
        cols[f"share_size_{name}"] = _share(series.by_size[:, z], size_sizes[z])
    cols["share_members"] = _share(series.by_member[:, 1], member_sizes[1])
    cols["share_non_members"] = _share(series.by_member[:, 0], member_sizes[0])
    cols.update({
        "compliant": series.compliant,
        "installs": series.installs,
        "outreach_contacts": series.contacts,
        "reached": series.reached,
        "share_adopted_among_reached": _share(series.adopters_reached, series.reached),
        "water_saved_m3_per_year": series.water_saved,
        "chemicals_avoided_t_per_year": series.chemicals,
        "power_avoided_kw": series.energy,
        "pollution_load_m3eq_per_year": series.pollution_load,
        "net_savings_per_year": series.savings,
        "private_investment": series.private_investment,
    })
    # collective layer: status (each firm in exactly one column; denominator = initial firms)
    for c, name in enumerate(STATUS_COLUMNS):
        cols[name] = series.status[:, c]
        cols[f"share_{name}_of_initial_firms"] = _share(series.status[:, c], n_firms)
    cols.update({
        "firms_at_site": series.status[:, 0] + series.status[:, 1],
        "treatment_installed_own_m3_per_year": series.installed_own,
        "treatment_operating_own_m3_per_year": series.operating_own,
        "treatment_installed_common_m3_per_year": series.installed_common,
        "treatment_operating_common_m3_per_year": series.operating_common,
        "treatment_idle_units": series.idle_units,
        "plants_pledging": series.plants[:, 1],
        "plants_building": series.plants[:, 2],
        "plants_built": series.plants[:, 3],
        "plants_failed": series.plants[:, 4],
        "firms_pledged": series.pledgers,
        "firms_connected": series.connected,
        "water_demand_m3_per_year": series.demand,
        "water_abstracted_m3_per_year": series.abstraction,
        "water_consumed_m3_per_year": series.consumed,
        "water_discharged_m3_per_year": series.discharged,
        "water_drawdown_m3": series.drawdown,
        "water_extra_cost_per_m3": series.water_cost,
        "organic_load_cod_t_per_year": series.organic_load,
        "chemical_load_t_per_year": series.chemical_load,
    })
    for c, name in enumerate(PUBLIC):
        cols[f"public_cost_{name}"] = series.public_cost[:, c]
    cols["public_cost_total"] = series.public_cost.sum(axis=1)
    cols["public_cost_cumulative"] = np.cumsum(cols["public_cost_total"])
    cols["private_investment_cumulative"] = np.cumsum(series.private_investment)
    return cols


STATUS_COLUMNS = ("firms_compliant", "firms_non_compliant", "firms_relocated_park", "firms_relocated_out",
                  "firms_closed")


def months_to_share(share: np.ndarray, level: float) -> float:
    """First month the share reaches ``level`` (NaN if never)."""
    hit = np.flatnonzero(np.asarray(share) >= level)
    return float(hit[0]) if hit.size else float("nan")


def summarise(frame: pd.DataFrame, scenario: Scenario, profile: Profile) -> dict:
    """Headline numbers of one run, in plain units."""
    last = frame.iloc[-1]
    extra = float(last["adopters"] - frame["adopters"].iloc[0])
    public = float(last["public_cost_cumulative"])
    return {
        "scenario": scenario.name,
        "cluster": profile.name,
        "currency": profile.profile.currency,
        "firms": int(last["firms"]),
        "months": int(last["month"]),
        "share_aware": float(last["share_aware"]),
        "share_adopted": float(last["share_adopted"]),
        "months_to_20pct": months_to_share(frame["share_adopted"], 0.2),
        "months_to_50pct": months_to_share(frame["share_adopted"], 0.5),
        "water_saved_m3_per_year": float(last["water_saved_m3_per_year"]),
        "chemicals_avoided_t_per_year": float(last["chemicals_avoided_t_per_year"]),
        "power_avoided_kw": float(last["power_avoided_kw"]),
        "private_investment": float(last["private_investment_cumulative"]),
        "public_cost": public,
        "public_cost_per_adopter": public / extra if extra > 0 else float("nan"),
        "public_cost_per_m3_per_year": public / float(last["water_saved_m3_per_year"])
        if last["water_saved_m3_per_year"] > 0 else float("nan"),
        # collective layer; counts are of the initial firms (the denominator of every status share)
        **{name: int(last[name]) for name in STATUS_COLUMNS},
        "treatment_installed_m3_per_year": float(last["treatment_installed_own_m3_per_year"]
                                                 + last["treatment_installed_common_m3_per_year"]),
        "treatment_operating_m3_per_year": float(last["treatment_operating_own_m3_per_year"]
                                                 + last["treatment_operating_common_m3_per_year"]),
        "plants_built": int(last["plants_built"]),
        "organic_load_cod_t_per_year": float(last["organic_load_cod_t_per_year"]),
        "chemical_load_t_per_year": float(last["chemical_load_t_per_year"]),
        "pollution_load_m3eq_per_year": float(last["pollution_load_m3eq_per_year"]),
    }


def format_summary(summary: dict) -> str:
    """A few lines a workshop audience can read."""
    cur = summary["currency"]
    t20, t50 = summary["months_to_20pct"], summary["months_to_50pct"]
    when = lambda t: "not reached" if np.isnan(t) else f"month {int(t)}"  # noqa: E731
    return "\n".join([
        f"{summary['scenario']} ({summary['cluster']}, {summary['firms']:,} firms, {summary['months']} months)",
        f"  firms aware of cleaner production : {summary['share_aware']:6.1%}",
        f"  firms that adopted something      : {summary['share_adopted']:6.1%}"
        f"   (20 %: {when(t20)}; 50 %: {when(t50)})",
        f"  water saved                       : {summary['water_saved_m3_per_year']:,.0f} m3/yr",
        f"  chemicals avoided                 : {summary['chemicals_avoided_t_per_year']:,.0f} t/yr",
        f"{'  firm status (of ' + format(summary['firms'], ',') + ' at start)':<36}: {summary['firms_compliant']:,} compliant, "
        f"{summary['firms_non_compliant']:,} non-compliant, {summary['firms_relocated_park']:,} moved to a park, "
        f"{summary['firms_relocated_out']:,} moved out, {summary['firms_closed']:,} closed",
        f"  treatment capacity                : {summary['treatment_installed_m3_per_year']:,.0f} m3/yr installed, "
        f"{summary['treatment_operating_m3_per_year']:,.0f} m3/yr operating",
        f"  pollution discharged              : {summary['organic_load_cod_t_per_year']:,.0f} t COD/yr, "
        f"{summary['chemical_load_t_per_year']:,.0f} t chemicals/yr ({summary['pollution_load_m3eq_per_year']:,.0f} m3-eq/yr)",
        f"  private investment                : {cur} {summary['private_investment']:,.0f}",
        f"  public cost                       : {cur} {summary['public_cost']:,.0f}",
    ])


@contextmanager
def atomic_path(target: Path):
    """Yield a temporary path next to ``target``; rename onto it only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def provenance(scenario: Scenario, profile: Profile) -> dict[str, str]:
    from . import __version__

    return {
        "adoptsim_version": __version__,
        "scenario": scenario.model_dump_json(),
        "profile": profile.name,
        "profile_path": profile.path,
    }


def write_frame(frame: pd.DataFrame, out_dir: Path, stem: str, meta: dict[str, str]) -> list[Path]:
    """Write ``stem.parquet`` (with metadata) and ``stem.csv`` atomically."""
    out_dir = Path(out_dir)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           **{f"adoptsim.{k}".encode(): v.encode() for k, v in meta.items()}})
    paths = [out_dir / f"{stem}.parquet", out_dir / f"{stem}.csv"]
    with atomic_path(paths[0]) as tmp:
        pq.write_table(table, tmp)
    with atomic_path(paths[1]) as tmp:
        frame.to_csv(tmp, index=False)
    return paths


def write_json(data: dict, path: Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=float) + "\n")
    return Path(path)
