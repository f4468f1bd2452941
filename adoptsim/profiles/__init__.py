"""Cluster profiles: the structural facts of a cluster, every number cited.

Profiles are TOML files (format in ``FORMAT.md``). Each number is written as
``{ value = ..., source = "..." }`` or ``{ value = ..., assumption = "..." }``;
:func:`load_profile` strips that into plain values, keeps the provenance, and
validates ranges with errors that name the file and key.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DATA = Path(__file__).parent / "data"
SIZES = ("micro", "small", "medium")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sector(_Strict):
    share: float = Field(ge=0, le=1)
    revenue_per_m3: float = Field(gt=0)
    operating_margin: float = Field(ge=0, le=1)   # profit before investment and debt service / revenue


class SizeClass(_Strict):
    share: float = Field(ge=0, le=1)
    water_use_median: float = Field(gt=0)
    water_use_sigma: float = Field(ge=0, le=3)
    # Correlated traits: when given, override the profile-wide value for firms of this size class.
    credit_access: float | None = Field(default=None, ge=0, le=1)
    association_share: float | None = Field(default=None, ge=0, le=1)
    export_share_mean: float | None = Field(default=None, ge=0, le=1)


class Option(_Strict):
    """A technology option a firm can adopt."""

    label: str
    kind: Literal["practice", "upgrade", "treatment"]
    needs_new_line: bool = False
    capex_fixed: float = Field(ge=0)
    capex_per_m3: float = Field(ge=0)
    savings_per_m3: float
    water_saving: float = Field(ge=0, le=1)
    chemicals_per_m3: float = Field(ge=0)
    energy_per_m3: float = Field(ge=0)
    pollution_removed: float = Field(ge=0, le=1)
    compliance_level: Literal[0, 1, 2]
    imported_share: float = Field(ge=0, le=1)
    buyer_credit: float = Field(ge=0, le=1)
    installed_share: float = Field(default=0.0, ge=0, le=1)   # share of firms with it installed at month 0


class ProfileInfo(_Strict):
    name: str
    title: str
    currency: str
    n_firms: int = Field(ge=1)
    n_localities: int = Field(ge=1, le=10_000)
    association_share: float = Field(ge=0, le=1)
    export_share_mean: float = Field(ge=0, le=1)
    export_share_concentration: float = Field(gt=0)
    credit_access: float = Field(ge=0, le=1)
    bank_rate: float = Field(ge=0, le=2)
    loan_term_months: int = Field(ge=1, le=600)
    default_rate: float = Field(ge=0, le=1)         # yearly probability a borrower defaults (outside shocks)
    debt_service_cover: float = Field(ge=1)         # lenders' minimum monthly margin / monthly debt service
    retained_share: float = Field(ge=0, le=1)       # share of monthly operating margin kept as investable cash
    import_duty: float = Field(ge=0, le=1)          # customs duty on imported CP equipment / imported value
    cash_share_median: float = Field(ge=0)
    cash_share_sigma: float = Field(ge=0, le=3)
    inspection_rate: float = Field(ge=0, le=1)
    penalty: float = Field(ge=0)


class PlantDesign(_Strict):
    """A common treatment plant an association or park committee can build (optional table)."""

    label: str
    capex_fixed: float = Field(ge=0)
    capex_per_m3: float = Field(ge=0)          # per m3/yr of members' design flow
    opex_per_m3: float = Field(ge=0)           # charged per m3/yr of a connected member's water use
    connection_fee: float = Field(ge=0)
    construction_months: int = Field(ge=0, le=600)
    min_pledge_share: float = Field(ge=0, le=1)
    compliance_level: Literal[0, 1, 2]
    pollution_removed: float = Field(ge=0, le=1)
    water_recovered: float = Field(ge=0, le=1)
    buyer_credit: float = Field(ge=0, le=1)
    inlet_max_load: float = Field(ge=0, le=1)


class ParkInfo(_Strict):
    """Relocation costs (optional table)."""

    land_cost: float = Field(ge=0)
    park_fee: float = Field(ge=0)
    move_fixed: float = Field(ge=0)
    move_cost_per_m3: float = Field(ge=0)


class WaterInfo(_Strict):
    """The shared water resource and effluent strength (optional table)."""

    consumption_share: float = Field(ge=0, le=1)
    recharge_share: float = Field(ge=0)
    storage_years_per_m: float = Field(gt=0)
    supply_cost_per_m: float = Field(ge=0)
    cod_kg_per_m3: float = Field(ge=0)
    chemicals_kg_per_m3: float = Field(ge=0)


class Profile(_Strict):
    """A validated cluster profile; ``provenance`` maps each numeric key to its citation."""

    profile: ProfileInfo
    sectors: dict[str, Sector]
    sizes: dict[str, SizeClass]
    technologies: dict[str, Option]
    common_plants: dict[str, PlantDesign] = Field(default_factory=dict)
    relocation: ParkInfo | None = None
    water: WaterInfo | None = None
    provenance: dict[str, str] = Field(default_factory=dict)
    path: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> "Profile":
        if set(self.sizes) != set(SIZES):
            raise ValueError(f"sizes must be exactly {', '.join(SIZES)}; got {', '.join(self.sizes)}")
        for table, entries in (("sectors", self.sectors), ("sizes", self.sizes)):
            total = sum(e.share for e in entries.values())
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"{table}.*.share must sum to 1; they sum to {total:.6g}")
        if not 1 <= len(self.technologies) <= 8:
            raise ValueError("technologies: between 1 and 8 options")
        return self

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def option_names(self) -> list[str]:
        return list(self.technologies)


def _strip(node, key: str, provenance: dict[str, str], origin: str):
    """Replace ``{value, source|assumption}`` tables by their value, recording provenance."""
    if isinstance(node, dict):
        if "value" in node:
            cites = [k for k in ("source", "assumption") if k in node]
            extra = set(node) - {"value", "source", "assumption"}
            if len(cites) != 1 or extra or not str(node[cites[0]]).strip():
                raise ValueError(f"{origin}: {key}: a number needs 'value' and exactly one of 'source' or 'assumption'")
            provenance[key] = f"{cites[0]}: {node[cites[0]]}"
            return node["value"]
        return {k: _strip(v, f"{key}.{k}" if key else k, provenance, origin) for k, v in node.items()}
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        raise ValueError(f"{origin}: {key}: bare number {node!r}; write {{ value = {node!r}, source = \"...\" }} "
                         "or {{ value = ..., assumption = \"...\" }}")
    return node


def profile_path(name_or_path: str | Path) -> Path:
    """Resolve a shipped profile name or a path to a profile file."""
    p = Path(name_or_path)
    if p.suffix == ".toml":
        if not p.is_file():
            raise FileNotFoundError(f"no profile file {p}")
        return p
    p = DATA / f"{name_or_path}.toml"
    if not p.is_file():
        raise FileNotFoundError(f"no cluster profile {name_or_path!r} (shipped: {', '.join(shipped_profiles())})")
    return p


def shipped_profiles() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.toml"))


@functools.lru_cache(maxsize=64)
def _load(path: str) -> Profile:
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    provenance: dict[str, str] = {}
    data = _strip(raw, "", provenance, path)
    try:
        return Profile.model_validate({**data, "provenance": provenance, "path": path})
    except ValidationError as err:
        lines = [f"{path}: {'.'.join(map(str, e['loc'])) or '(profile)'}: {e['msg']} (got {e.get('input')!r})"
                 for e in err.errors()]
        raise ValueError("\n".join(lines)) from None


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and validate a cluster profile by shipped name or path."""
    return _load(str(profile_path(name_or_path).resolve()))


__all__ = ["Option", "Profile", "load_profile", "profile_path", "shipped_profiles", "SIZES"]
