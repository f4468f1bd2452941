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

from .outcome_table import STATUS, Context, compute_columns
from .profiles import Profile
from .scenario import Scenario
from .state import Series


def series_frame(series: Series, profile: Profile, n_firms: int, sector_sizes: np.ndarray,
                 size_sizes: np.ndarray, member_sizes: np.ndarray) -> pd.DataFrame:
    """The monthly series as a DataFrame; group shares are of the group's firms."""
    return pd.DataFrame(series_columns(series, profile, n_firms, sector_sizes, size_sizes, member_sizes))


def series_columns(series: Series, profile: Profile, n_firms: int, sector_sizes: np.ndarray,
                   size_sizes: np.ndarray, member_sizes: np.ndarray) -> dict[str, np.ndarray]:
    """The monthly series as named columns (the table without pandas, for sweeps).

    Every column is declared once in :data:`adoptsim.outcome_table.COLUMNS`
    (name, unit, label, aggregation and formula).
    """
    return compute_columns(Context(series, n_firms, tuple(profile.option_names), tuple(profile.sectors),
                                   np.asarray(sector_sizes), np.asarray(size_sizes), np.asarray(member_sizes)))


#: The firm-status columns (each initial firm is in exactly one each month).
STATUS_COLUMNS = tuple(f"firms_{s}" for s in STATUS)


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


def _speaks_of(summary: dict, scenario: Scenario | None) -> tuple[bool, bool, bool]:
    """(mandate, treatment, profile gives COD and chemical loads) for :func:`format_summary`.

    With the scenario these come from its levers and profile; from the summary alone (``str(result)``), a
    mandate shows only through firms that closed or moved, treatment through capacity or plants, and the
    loads through non-zero values.
    """
    exits = any(summary[k] for k in ("firms_relocated_park", "firms_relocated_out", "firms_closed"))
    treatment = summary["treatment_installed_m3_per_year"] > 0 or summary["plants_built"] > 0
    loads = summary["organic_load_cod_t_per_year"] > 0 or summary["chemical_load_t_per_year"] > 0
    if scenario is None:
        return exits, treatment, loads
    lv = scenario.levers
    mandate = lv.mandate.level > 0 or exits
    treatment = treatment or lv.common_plant.enabled or lv.common_plant.existing
    try:
        from .profiles import load_profile

        water = load_profile(scenario.cluster).water
        loads = water is not None and (water.cod_kg_per_m3 > 0 or water.chemicals_kg_per_m3 > 0)
    except (OSError, ValueError):  # pragma: no cover - the run loaded it already
        pass
    return mandate, treatment, loads


def format_summary(summary: dict, scenario: Scenario | None = None) -> str:
    """A few lines a workshop audience can read, about only what the scenario contains.

    Firm status (compliant, moved, closed) appears under a mandate; treatment capacity and the pollution
    discharged under a mandate or with treatment; COD and chemical loads only when the profile gives
    effluent strengths. Give ``scenario`` to decide from its levers; without it the summary's values decide.
    """
    cur = summary["currency"]
    t20, t50 = summary["months_to_20pct"], summary["months_to_50pct"]
    when = lambda t: "not reached" if np.isnan(t) else f"month {int(t)}"  # noqa: E731
    mandate, treatment, loads = _speaks_of(summary, scenario)
    lines = [
        f"{summary['scenario']} ({summary['cluster']}, {summary['firms']:,} firms, {summary['months']} months)",
        f"  firms aware of cleaner production : {summary['share_aware']:6.1%}",
        f"  firms that adopted something      : {summary['share_adopted']:6.1%}"
        f"   (20 %: {when(t20)}; 50 %: {when(t50)})",
        f"  water saved                       : {summary['water_saved_m3_per_year']:,.0f} m3/yr",
        f"  chemicals avoided                 : {summary['chemicals_avoided_t_per_year']:,.0f} t/yr",
    ]
    if mandate:
        lines.append(
            f"{'  firm status (of ' + format(summary['firms'], ',') + ' at start)':<36}: "
            f"{summary['firms_compliant']:,} compliant, {summary['firms_non_compliant']:,} non-compliant, "
            f"{summary['firms_relocated_park']:,} moved to a park, {summary['firms_relocated_out']:,} moved out, "
            f"{summary['firms_closed']:,} closed")
    if mandate or treatment:
        lines.append(f"  treatment capacity                : {summary['treatment_installed_m3_per_year']:,.0f} m3/yr "
                     f"installed, {summary['treatment_operating_m3_per_year']:,.0f} m3/yr operating")
        load = f"the load of {summary['pollution_load_m3eq_per_year']:,.0f} m3/yr of untreated wastewater"
        if loads:
            load = (f"{summary['organic_load_cod_t_per_year']:,.0f} t COD/yr and "
                    f"{summary['chemical_load_t_per_year']:,.0f} t chemicals/yr, {load}")
        lines.append(f"  pollution discharged              : {load}")
    lines += [
        f"  private investment                : {cur} {summary['private_investment']:,.0f}",
        f"  public cost                       : {cur} {summary['public_cost']:,.0f}",
    ]
    return "\n".join(lines)


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
    """Write ``stem.parquet`` (with metadata) and ``stem.csv`` atomically; a non-finite value is refused first."""
    from .finite import check_finite

    out_dir = Path(out_dir)
    try:
        origin = f"scenario {json.loads(meta['scenario'])['name']}"
    except (KeyError, TypeError, ValueError):
        origin = str(out_dir / stem)
    check_finite({c: frame[c].to_numpy() for c in frame.columns}, origin)
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
    """Write strict JSON atomically: NaN and infinities become ``null``."""
    from .finite import json_safe

    text = json.dumps(json_safe(data), indent=2, default=float, allow_nan=False) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
