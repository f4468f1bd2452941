"""The outcome table, declared once: what a run records each month and the columns it publishes.

Two tables:

* :data:`SERIES`, the arrays the engines write (one row per month, row 0 = the
  initial state): name, shape, dtype, unit and meaning. It generates the
  :class:`~adoptsim.state.Series` record and :func:`~adoptsim.state.empty_series`.
* :data:`COLUMNS`, the columns of a run's monthly table (``series.parquet``,
  sweep results, the DataCollector): name, unit, plain-language label,
  aggregation and how the column is computed from the series. It generates
  :func:`adoptsim.outcomes.series_columns`, the labels of figures and tables,
  and the list of outcomes a sweep or sensitivity study can name.

Public money is one more table, :data:`PUBLIC_COSTS`: one ledger entry per
lever that spends it, in column order (``public_cost_<name>``).

Aggregation says how a column turns into a ten-year answer: ``stock`` columns
are states at the end of a month (take the last value), ``flow`` columns are
amounts in the month (sum them), ``cumulative`` ones are already summed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

import numpy as np

Aggregation = Literal["stock", "flow", "cumulative"]


@dataclass(frozen=True)
class LedgerEntry:
    """One kind of public spending: its column ``public_cost_<name>``, words, lever, and when it is booked.

    ``at``: ``adoption`` (paid on a firm's installation, booked on the firm's
    ``paid`` vector), ``month`` (cluster-level, :class:`~adoptsim.state.ClusterCosts`),
    ``body`` (by collective bodies), ``exit`` (on firms that move) or ``loan`` (on firms' loans as they
    are serviced or default).
    """

    name: str
    label: str
    lever: str   # the scenario lever (``levers.<lever>``) that spends it
    at: Literal["adoption", "month", "body", "exit", "loan"]


PUBLIC_COSTS: tuple[LedgerEntry, ...] = (
    LedgerEntry("subsidy", "capex subsidy", "capex_subsidy", "adoption"),
    LedgerEntry("tariff_rebate", "tariff rebate", "tariff_rebate", "adoption"),
    LedgerEntry("recognition", "recognition rewards", "recognition", "adoption"),
    LedgerEntry("outreach", "outreach contacts", "outreach", "month"),
    LedgerEntry("demonstration", "demonstration pilots", "demonstration", "month"),
    LedgerEntry("inspection", "extra inspections", "enforcement", "month"),
    LedgerEntry("vendors", "vendor capacity building", "vendors", "month"),
    LedgerEntry("buyer_platform", "buyer platform", "buyer_platform", "month"),
    LedgerEntry("scheme_promotion", "finance scheme promotion", "green_finance", "month"),
    LedgerEntry("plant_grant", "common-plant grant", "common_plant", "body"),
    LedgerEntry("plant_loan", "interest-free plant loan", "common_plant", "body"),  # interest forgone and defaults
    LedgerEntry("pledge_organising", "pledge organising", "common_plant", "body"),
    LedgerEntry("relocation_support", "relocation support", "relocation", "exit"),
    LedgerEntry("park_land", "park land subsidy", "relocation", "exit"),
    LedgerEntry("rate_subsidy", "interest-rate subsidy", "green_finance", "loan"),  # monthly, on the balance
    LedgerEntry("guarantee", "guarantee payments on defaults", "green_finance", "loan"),
)
PUBLIC: tuple[str, ...] = tuple(e.name for e in PUBLIC_COSTS)

#: Ledger entries by name in upper case, valued by their column of ``Series.public_cost``
#: (``Cost.SUBSIDY == 0``); compiled code indexes with them.
Cost = IntEnum("Cost", {e.name.upper(): i for i, e in enumerate(PUBLIC_COSTS)}, module=__name__)

#: Entries paid on an adoption come first: a firm's ``paid`` vector holds them, in this order.
PAID_AT_ADOPTION = sum(e.at == "adoption" for e in PUBLIC_COSTS)
assert all(e.at == "adoption" for e in PUBLIC_COSTS[:PAID_AT_ADOPTION]), "adoption entries must come first"

#: Firm status columns of ``Series.status`` (every initial firm is in exactly one each month).
STATUS = ("compliant", "non_compliant", "relocated_park", "relocated_out", "closed")
#: Common-plant states counted in ``Series.plants`` (the body ``state`` codes, in order).
PLANT_STATES = ("none", "pledging", "building", "built", "failed")
#: Who carries a loan (columns of ``Series.loan_losses``; slot kinds FIN_BANK.. FIN_PLANT in that order).
LENDERS = ("bank", "scheme", "consortium", "plant")


# -- the recorded arrays ------------------------------------------------------------------------------

Dim = Literal["", "option", "sector", "size", "member", "public", "status", "plant", "lender"]


@dataclass(frozen=True)
class Measure:
    """One array of :class:`~adoptsim.state.Series`: ``(T + 1,)`` or ``(T + 1, len(dim))``."""

    name: str
    dim: Dim
    dtype: type
    unit: str
    meaning: str


I, F = np.int64, np.float64
SERIES: tuple[Measure, ...] = (
    Measure("aware", "", I, "firms", "firms aware of cleaner options"),
    Measure("adopters", "", I, "firms", "firms with any option installed (of all initial firms)"),
    Measure("by_option", "option", I, "firms", "firms with each option installed"),
    Measure("by_sector", "sector", I, "firms", "adopters by sector"),
    Measure("by_size", "size", I, "firms", "adopters by size class"),
    Measure("by_member", "member", I, "firms", "adopters (non-members, members)"),
    Measure("compliant", "", I, "firms", "firms at their sites meeting the standard in force"),
    Measure("water_saved", "", F, "m3/yr", "water saved, run rate"),
    Measure("chemicals", "", F, "t/yr", "process chemicals avoided"),
    Measure("energy", "", F, "kW", "power demand avoided"),
    Measure("pollution_load", "", F, "m3-eq/yr", "pollution load discharged"),
    Measure("savings", "", F, "currency/yr", "realised net savings"),
    Measure("private_investment", "", F, "currency", "spent by firms in the month"),
    Measure("public_cost", "public", F, "currency", "public money spent in the month, by ledger entry"),
    Measure("installs", "", I, "installations", "installations in the month"),
    Measure("contacts", "", I, "firms", "outreach contacts in the month"),
    Measure("reached", "", I, "firms", "firms ever contacted by outreach"),
    Measure("adopters_reached", "", I, "firms", "adopters among firms ever contacted"),
    Measure("status", "status", I, "firms", "firms by status (compliant, non-compliant, park, away, closed)"),
    Measure("installed_own", "", F, "m3/yr", "effluent of firms with own treatment installed"),
    Measure("operating_own", "", F, "m3/yr", "effluent of firms whose own treatment runs"),
    Measure("installed_common", "", F, "m3/yr", "capacity of built common plants"),
    Measure("operating_common", "", F, "m3/yr", "connected effluent treated by running plants"),
    Measure("idle_units", "", I, "units", "installed treatment units (own or common) not running"),
    Measure("plants", "plant", I, "bodies", "collective bodies by plant state"),
    Measure("pledgers", "", I, "firms", "firms pledged to a common plant"),
    Measure("connected", "", I, "firms", "firms connected to a common plant"),
    Measure("demand", "", F, "m3/yr", "water use of firms at their sites before savings"),
    Measure("abstraction", "", F, "m3/yr", "drawn from the shared resource"),
    Measure("consumed", "", F, "m3/yr", "consumed in processes"),
    Measure("discharged", "", F, "m3/yr", "effluent discharged"),
    Measure("drawdown", "", F, "m3", "below the initial store"),
    Measure("water_cost", "", F, "currency/m3", "extra supply cost from drawdown"),
    Measure("organic_load", "", F, "t/yr", "COD discharged"),
    Measure("chemical_load", "", F, "t/yr", "chemicals discharged"),
    Measure("cash", "", F, "currency", "free cash of firms at their sites"),
    Measure("debt", "", F, "currency", "loans outstanding of firms at their sites"),
    Measure("in_arrears", "", I, "firms", "firms at their sites ending the month with negative cash"),
    Measure("defaults", "", I, "firms", "firms defaulting on their loans in the month"),
    Measure("insolvencies", "", I, "firms", "firms closed in the month because their cash stayed negative"),
    Measure("loan_losses", "lender", F, "currency", "principal lost by lenders in the month, net of public cover"),
    Measure("penalties", "", F, "currency", "penalties and committee fines paid in the month"),
)
del I, F


def dim_sizes(n_options: int, n_sectors: int) -> dict[str, int]:
    """Width of each dimension of :data:`SERIES`."""
    return {"option": n_options, "sector": n_sectors, "size": 3, "member": 2, "public": len(PUBLIC_COSTS),
            "status": len(STATUS), "plant": len(PLANT_STATES), "lender": len(LENDERS)}


# -- the published columns ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What a column is computed from: one run's series, its profile's names and group sizes."""

    series: object          # adoptsim.state.Series
    n_firms: int
    option_names: tuple[str, ...]
    sector_names: tuple[str, ...]
    sector_sizes: np.ndarray
    size_sizes: np.ndarray
    member_sizes: np.ndarray


def share(count: np.ndarray, total: np.ndarray | int) -> np.ndarray:
    """count / total, 0 where the total is 0."""
    total = np.asarray(total, dtype=float)
    return np.divide(count, total, out=np.zeros(np.shape(count), float), where=total > 0)


@dataclass(frozen=True)
class Column:
    """One column of a run's monthly table.

    ``per`` names a group ("option", "sector", "size"): the column then stands
    for one column per member, named ``name.format(member)``, and ``value``
    takes the member's index as a second argument.
    """

    name: str
    unit: str
    label: str
    aggregation: Aggregation
    value: Callable
    per: str = ""

    def names(self, ctx: Context) -> list[str]:
        return [self.name.format(m) for m in _members(self.per, ctx)] if self.per else [self.name]


def _members(per: str, ctx: Context) -> tuple[str, ...]:
    from .profiles import SIZES

    return {"option": ctx.option_names, "sector": ctx.sector_names, "size": tuple(SIZES)}[per]


def _status(c: int) -> Callable[[Context], np.ndarray]:
    return lambda x: x.series.status[:, c]


def _status_share(c: int) -> Callable[[Context], np.ndarray]:
    return lambda x: share(x.series.status[:, c], x.n_firms)


def _lender(c: int) -> Callable[[Context], np.ndarray]:
    return lambda x: x.series.loan_losses[:, c]


def _cost(c: int) -> Callable[[Context], np.ndarray]:
    return lambda x: x.series.public_cost[:, c]


_T = lambda x: x.series.adopters.shape[0]  # noqa: E731
COLUMNS: tuple[Column, ...] = (
    Column("month", "month", "Month", "stock", lambda x: np.arange(_T(x))),
    Column("year", "yr", "Year", "stock", lambda x: np.arange(_T(x)) / 12.0),
    Column("firms", "firms", "Firms at the start", "stock", lambda x: np.full(_T(x), x.n_firms)),
    Column("aware", "firms", "Firms aware of cleaner production", "stock", lambda x: x.series.aware),
    Column("adopters", "firms", "Firms that adopted something", "stock", lambda x: x.series.adopters),
    Column("share_aware", "share", "Share of firms aware", "stock", lambda x: share(x.series.aware, x.n_firms)),
    Column("share_adopted", "share", "Share of firms that adopted something", "stock",
           lambda x: share(x.series.adopters, x.n_firms)),
    Column("share_option_{}", "share", "Share of firms with {}", "stock",
           lambda x, k: share(x.series.by_option[:, k], x.n_firms), per="option"),
    Column("share_sector_{}", "share of sector", "Share of {} firms that adopted", "stock",
           lambda x, s: share(x.series.by_sector[:, s], x.sector_sizes[s]), per="sector"),
    Column("share_size_{}", "share of size class", "Share of {} firms that adopted", "stock",
           lambda x, z: share(x.series.by_size[:, z], x.size_sizes[z]), per="size"),
    Column("share_members", "share of members", "Share of association members that adopted", "stock",
           lambda x: share(x.series.by_member[:, 1], x.member_sizes[1])),
    Column("share_non_members", "share of non-members", "Share of non-members that adopted", "stock",
           lambda x: share(x.series.by_member[:, 0], x.member_sizes[0])),
    Column("compliant", "firms", "Firms meeting the standard in force", "stock", lambda x: x.series.compliant),
    Column("installs", "installations", "Installations in the month", "flow", lambda x: x.series.installs),
    Column("outreach_contacts", "firms", "Outreach contacts in the month", "flow", lambda x: x.series.contacts),
    Column("reached", "firms", "Firms ever contacted by outreach", "stock", lambda x: x.series.reached),
    Column("share_adopted_among_reached", "share of reached", "Share of contacted firms that adopted", "stock",
           lambda x: share(x.series.adopters_reached, x.series.reached)),
    Column("water_saved_m3_per_year", "m3/yr", "Water saved", "stock", lambda x: x.series.water_saved),
    Column("chemicals_avoided_t_per_year", "t/yr", "Chemicals avoided", "stock", lambda x: x.series.chemicals),
    Column("power_avoided_kw", "kW", "Power demand avoided", "stock", lambda x: x.series.energy),
    Column("pollution_load_m3eq_per_year", "m3-eq/yr", "Pollution load discharged", "stock",
           lambda x: x.series.pollution_load),
    Column("net_savings_per_year", "currency/yr", "Firms' net savings", "stock", lambda x: x.series.savings),
    Column("private_investment", "currency", "Firms' investment in the month", "flow",
           lambda x: x.series.private_investment),
    *(col for c, name in enumerate(STATUS) for col in (
        Column(f"firms_{name}", "firms", f"Firms {name.replace('_', ' ')}", "stock", _status(c)),
        Column(f"share_firms_{name}_of_initial_firms", "share", f"Share of firms {name.replace('_', ' ')}", "stock",
               _status_share(c)))),
    Column("firms_at_site", "firms", "Firms at their sites", "stock",
           lambda x: x.series.status[:, 0] + x.series.status[:, 1]),
    Column("treatment_installed_own_m3_per_year", "m3/yr", "Own treatment installed", "stock",
           lambda x: x.series.installed_own),
    Column("treatment_operating_own_m3_per_year", "m3/yr", "Own treatment running", "stock",
           lambda x: x.series.operating_own),
    Column("treatment_installed_common_m3_per_year", "m3/yr", "Common-plant capacity built", "stock",
           lambda x: x.series.installed_common),
    Column("treatment_operating_common_m3_per_year", "m3/yr", "Effluent treated by running common plants", "stock",
           lambda x: x.series.operating_common),
    Column("treatment_idle_units", "units", "Treatment units installed but idle", "stock",
           lambda x: x.series.idle_units),
    Column("plants_pledging", "plants", "Common plants collecting pledges", "stock", lambda x: x.series.plants[:, 1]),
    Column("plants_building", "plants", "Common plants under construction", "stock", lambda x: x.series.plants[:, 2]),
    Column("plants_built", "plants", "Common plants built", "stock", lambda x: x.series.plants[:, 3]),
    Column("plants_failed", "plants", "Common-plant proposals that failed", "stock", lambda x: x.series.plants[:, 4]),
    Column("firms_pledged", "firms", "Firms pledged to a common plant", "stock", lambda x: x.series.pledgers),
    Column("firms_connected", "firms", "Firms connected to a common plant", "stock", lambda x: x.series.connected),
    Column("water_demand_m3_per_year", "m3/yr", "Water demand", "stock", lambda x: x.series.demand),
    Column("water_abstracted_m3_per_year", "m3/yr", "Water abstracted", "stock", lambda x: x.series.abstraction),
    Column("water_consumed_m3_per_year", "m3/yr", "Water consumed", "stock", lambda x: x.series.consumed),
    Column("water_discharged_m3_per_year", "m3/yr", "Effluent discharged", "stock", lambda x: x.series.discharged),
    Column("water_drawdown_m3", "m3", "Drawdown of the shared resource", "stock", lambda x: x.series.drawdown),
    Column("water_extra_cost_per_m3", "currency/m3", "Extra water supply cost", "stock",
           lambda x: x.series.water_cost),
    Column("organic_load_cod_t_per_year", "t/yr", "Organic load (COD) discharged", "stock",
           lambda x: x.series.organic_load),
    Column("chemical_load_t_per_year", "t/yr", "Chemical load discharged", "stock", lambda x: x.series.chemical_load),
    Column("firm_cash", "currency", "Firms' free cash", "stock", lambda x: x.series.cash),
    Column("debt_outstanding", "currency", "Firms' loans outstanding", "stock", lambda x: x.series.debt),
    Column("firms_in_arrears", "firms", "Firms with negative cash", "stock", lambda x: x.series.in_arrears),
    Column("loan_defaults", "firms", "Firms defaulting on loans in the month", "flow", lambda x: x.series.defaults),
    Column("insolvencies", "firms", "Firms closed by insolvency in the month", "flow", lambda x: x.series.insolvencies),
    *(Column(f"loan_losses_{name}", "currency", f"Loan losses borne by {name} lenders", "flow", _lender(c))
      for c, name in enumerate(LENDERS)),
    Column("penalties_paid", "currency", "Penalties and fines paid by firms", "flow", lambda x: x.series.penalties),
    *(Column(f"public_cost_{e.name}", "currency", f"Public cost: {e.label}", "flow", _cost(c))
      for c, e in enumerate(PUBLIC_COSTS)),
    Column("public_cost_total", "currency", "Public money spent in the month", "flow",
           lambda x: x.series.public_cost.sum(axis=1)),
    Column("public_cost_cumulative", "currency", "Public money spent to date", "cumulative",
           lambda x: np.cumsum(x.series.public_cost.sum(axis=1))),
    Column("private_investment_cumulative", "currency", "Firms' investment to date", "cumulative",
           lambda x: np.cumsum(x.series.private_investment)),
)

#: Columns that describe the run rather than measure an outcome.
INDEX_COLUMNS = ("month", "year", "firms")


def column_names(option_names: tuple[str, ...], sector_names: tuple[str, ...]) -> list[str]:
    """The published column names for a cluster with these options and sectors, in table order."""
    from .profiles import SIZES

    members = {"option": option_names, "sector": sector_names, "size": tuple(SIZES)}
    return [c.name.format(m) for c in COLUMNS for m in (members[c.per] if c.per else ("",))]


def compute_columns(ctx: Context) -> dict[str, np.ndarray]:
    """Every column of :data:`COLUMNS` for one run, in table order."""
    out: dict[str, np.ndarray] = {}
    for col in COLUMNS:
        if col.per:
            for k, member in enumerate(_members(col.per, ctx)):
                out[col.name.format(member)] = col.value(ctx, k)
        else:
            out[col.name] = col.value(ctx)
    return out


def column(name: str) -> tuple[Column, str]:
    """The declaration of a published column and its group member ("" if none), e.g.
    ``column("share_option_etp") -> (Column("share_option_{}"...), "etp")``."""
    for col in COLUMNS:
        if not col.per and col.name == name:
            return col, ""
    for col in COLUMNS:
        if col.per:
            head, _, tail = col.name.partition("{}")
            if name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail):
                return col, name[len(head): len(name) - len(tail) if tail else None]
    raise KeyError(f"{name}: not an outcome column")


def label(name: str) -> str:
    """Plain-language label of a column, e.g. ``"Share of firms with etp"``."""
    col, member = column(name)
    return col.label.format(member.replace("_", " ")) if col.per else col.label


def unit(name: str) -> str:
    return column(name)[0].unit


def aggregation(name: str) -> Aggregation:
    return column(name)[0].aggregation
