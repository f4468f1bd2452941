"""The arrays a simulation runs on: firms, options, parameters, outcomes.

State lives in NumPy arrays bundled in named tuples, which Numba compiles
as structs and plain Python reads the same way (``firms.cash[i]``). Both
engines share these objects; the Mesa agents are views on one row.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# Ways an adoption is financed.
FIN_NONE, FIN_OWN, FIN_BANK, FIN_SCHEME, FIN_CONSORTIUM = -1, 0, 1, 2, 3

# Per-adoption ledger columns (firms.outlay) and cluster-level public cost columns.
OUTLAY = ("subsidy", "tariff_rebate", "recognition", "rate_subsidy", "guarantee", "private_investment")
O_SUBSIDY, O_TARIFF, O_REWARD, O_RATE, O_GUARANTEE, O_PRIVATE = range(len(OUTLAY))
PUBLIC = ("subsidy", "tariff_rebate", "recognition", "rate_subsidy", "guarantee",
          "outreach", "demonstration", "inspection", "vendors", "buyer_platform", "scheme_promotion")


class Firms(NamedTuple):
    """One row per firm. Traits are fixed at synthesis; the rest evolves monthly."""

    id: np.ndarray            # int64, stable identity (keys every random draw)
    sector: np.ndarray        # int64 index into the profile's sectors
    size: np.ndarray          # int64 0 micro, 1 small, 2 medium
    locality: np.ndarray      # int64 neighbourhood for peer / demo visibility
    member: np.ndarray        # bool, trade association / park committee
    bank: np.ndarray          # bool, has a bank-loan option
    scheme_known: np.ndarray  # bool, knows the green-finance scheme
    guaranteed: np.ndarray    # bool, a guarantee would bring it to credit
    water_use: np.ndarray     # float64 m3/yr
    revenue: np.ndarray       # float64 currency/yr
    horizon: np.ndarray       # float64 months, longest acceptable payback
    export_share: np.ndarray  # float64 share of output sold to brand buyers
    cash: np.ndarray          # float64 currency, own funds for investment
    aware: np.ndarray         # bool
    belief: np.ndarray        # float64 perceived share of true savings
    demo: np.ndarray          # bool, demonstration site
    adopted: np.ndarray       # bool (n, K)
    intent: np.ndarray        # int64 scratch: option chosen this month or -1
    priority: np.ndarray      # float64 scratch: queue position for vendors
    contacted: np.ndarray     # bool scratch: reached by outreach this month
    outlay: np.ndarray        # float64 (n, len(OUTLAY)) scratch: this month's adoption ledger


class Options(NamedTuple):
    """Technology options, one entry per option (profile order)."""

    capex_fixed: np.ndarray
    capex_per_m3: np.ndarray
    savings_per_m3: np.ndarray
    water_saving: np.ndarray
    chemicals_per_m3: np.ndarray
    energy_per_m3: np.ndarray
    pollution_removed: np.ndarray
    compliance_level: np.ndarray  # int64
    imported_share: np.ndarray
    buyer_credit: np.ndarray
    blocked: np.ndarray           # bool: forbidden by the expansion rule


class Params(NamedTuple):
    """Every scalar the rules read, flattened from scenario and profile."""

    seed: int
    n_localities: int
    months: int
    # behaviour
    p_innovation: float
    q_imitation: float
    q_association: float
    locality_weight: float
    learn_peer: float
    learn_demo: float
    attention: float
    decision_noise: float
    down_payment: float
    # finance
    bank_rate: float
    loan_term: float
    gf_enabled: bool
    gf_rate_subsidy: float
    guarantee_loss: float
    consortium: bool
    # costs and rebates
    subsidy_share: float
    subsidy_cap: float
    tariff_rebate: float
    reward: float
    # pressure
    inspection_rate: float
    penalty: float
    mandate_level: int
    mandate_month: int
    mandate_uncertainty: float
    mandate_penalty: float
    buyer_engaged: float
    buyer_pressure: float
    # outreach and vendors
    outreach_reach: float
    outreach_by_association: bool
    business_case: float
    capacity: float


class Signals(NamedTuple):
    """Cluster-level quantities every firm sees in a month (from last month's state)."""

    share_all: float
    share_members: float
    local_share: np.ndarray   # float64 per locality
    local_demo: np.ndarray    # bool per locality
    member_demo: bool
    outreach_member: float    # contact probability this month
    outreach_other: float


class Series(NamedTuple):
    """Monthly outcomes, row 0 = initial state, row m = end of month m."""

    aware: np.ndarray          # (T+1,) int64
    adopters: np.ndarray       # (T+1,) int64 firms with any option
    by_option: np.ndarray      # (T+1, K) int64
    by_sector: np.ndarray      # (T+1, S) int64 adopters
    by_size: np.ndarray        # (T+1, 3) int64 adopters
    by_member: np.ndarray      # (T+1, 2) int64 adopters (non-member, member)
    compliant: np.ndarray      # (T+1,) int64 firms meeting the standard in force
    water_saved: np.ndarray    # (T+1,) m3/yr run rate
    chemicals: np.ndarray      # (T+1,) t/yr avoided
    energy: np.ndarray         # (T+1,) kW avoided
    pollution_load: np.ndarray  # (T+1,) m3/yr-equivalent load discharged
    savings: np.ndarray        # (T+1,) currency/yr realised net savings
    private_investment: np.ndarray  # (T+1,) currency spent by firms in the month
    public_cost: np.ndarray    # (T+1, len(PUBLIC)) currency in the month
    installs: np.ndarray       # (T+1,) int64 installations in the month
    contacts: np.ndarray       # (T+1,) int64 outreach contacts in the month


def empty_series(months: int, n_options: int, n_sectors: int) -> Series:
    T = months + 1
    i8 = np.int64
    return Series(
        aware=np.zeros(T, i8), adopters=np.zeros(T, i8), by_option=np.zeros((T, n_options), i8),
        by_sector=np.zeros((T, n_sectors), i8), by_size=np.zeros((T, 3), i8), by_member=np.zeros((T, 2), i8),
        compliant=np.zeros(T, i8), water_saved=np.zeros(T), chemicals=np.zeros(T), energy=np.zeros(T),
        pollution_load=np.zeros(T), savings=np.zeros(T), private_investment=np.zeros(T),
        public_cost=np.zeros((T, len(PUBLIC))), installs=np.zeros(T, i8), contacts=np.zeros(T, i8),
    )
