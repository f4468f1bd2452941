"""The arrays a simulation runs on: firms, options, parameters, outcomes.

Firms are one NumPy record array (a row per firm, fields listed in
``FIRM_FIELDS``): the rules receive one firm's record and read and write its
fields (``f.cash``), compiled or in plain Python alike, and the Mesa agents
are views on one record. Options are tuples (one entry per option) and
parameters plain scalars in named tuples, so passing them to a compiled rule
costs nothing.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# Ways an adoption is financed.
FIN_NONE, FIN_OWN, FIN_BANK, FIN_SCHEME, FIN_CONSORTIUM = -1, 0, 1, 2, 3

# Public cost columns of the outcome series, in order; the first five are paid per adoption.
PUBLIC = ("subsidy", "tariff_rebate", "recognition", "rate_subsidy", "guarantee",
          "outreach", "demonstration", "inspection", "vendors", "buyer_platform", "scheme_promotion")


FIRM_FIELDS = (
    # traits, fixed at synthesis
    ("id", np.int64, "stable identity; keys every random draw"),
    ("sector", np.int64, "index into the profile's sectors"),
    ("size_class", np.int64, "0 micro, 1 small, 2 medium"),
    ("locality", np.int64, "neighbourhood for peer and demo visibility"),
    ("member", np.bool_, "member of a trade association / park committee"),
    ("bank", np.bool_, "has a bank-loan option"),
    ("scheme_known", np.bool_, "knows the green-finance scheme"),
    ("guaranteed", np.bool_, "a guarantee would bring it to credit"),
    ("demo", np.bool_, "demonstration site"),
    ("water_use", np.float64, "m3/yr"),
    ("revenue", np.float64, "currency/yr"),
    ("horizon", np.float64, "months: longest acceptable payback"),
    ("export_share", np.float64, "share of output sold to brand buyers"),
    # state, evolving monthly
    ("cash", np.float64, "currency: own funds for investment"),
    ("aware", np.bool_, "knows cleaner options exist"),
    ("belief", np.float64, "perceived share of the true savings"),
    ("adopted", np.uint8, "bit k set when option k is installed"),
    ("reached", np.bool_, "contacted by outreach at least once"),
    # this month's scratch
    ("intent", np.int64, "option asked of a vendor this month, or -1"),
    ("priority", np.float64, "vendor queue key this month"),
    ("contacted", np.bool_, "reached by outreach this month"),
    ("paid_subsidy", np.float64, "capex subsidy paid on this month's adoption"),
    ("paid_rebate", np.float64, "tariff rebate paid"),
    ("paid_reward", np.float64, "recognition reward paid"),
    ("paid_rate", np.float64, "interest subsidy over the loan term (undiscounted)"),
    ("paid_guarantee", np.float64, "expected guarantee loss booked"),
    ("invested", np.float64, "net capex borne by the firm"),
)
FIRM_DTYPE = np.dtype([(name, dtype) for name, dtype, _ in FIRM_FIELDS], align=True)
MAX_OPTIONS = 8  # adopted is a uint8 bit set


def new_firms(n: int) -> np.recarray:
    """A zeroed firm table (one record per firm; ``intent`` set to -1)."""
    firms = np.zeros(n, FIRM_DTYPE).view(np.recarray)
    firms.intent[:] = -1
    return firms


def adopted_matrix(firms: np.ndarray, n_options: int) -> np.ndarray:
    """The adoption bit sets expanded to an (n, K) boolean matrix."""
    bits = np.asarray(firms["adopted"], dtype=np.uint8)
    return ((bits[:, None] >> np.arange(n_options, dtype=np.uint8)) & 1).astype(bool)


class Options(NamedTuple):
    """Technology options: each field a tuple with one entry per option (profile order)."""

    capex_fixed: tuple
    capex_per_m3: tuple
    savings_per_m3: tuple
    water_saving: tuple
    chemicals_per_m3: tuple
    energy_per_m3: tuple
    pollution_removed: tuple
    compliance_level: tuple  # int
    imported_share: tuple
    buyer_credit: tuple
    blocked: tuple           # bool: forbidden by the expansion rule


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
    reached: np.ndarray        # (T+1,) int64 firms ever contacted by outreach
    adopters_reached: np.ndarray  # (T+1,) int64 adopters among them


def empty_series(months: int, n_options: int, n_sectors: int) -> Series:
    T = months + 1
    i8 = np.int64
    return Series(
        aware=np.zeros(T, i8), adopters=np.zeros(T, i8), by_option=np.zeros((T, n_options), i8),
        by_sector=np.zeros((T, n_sectors), i8), by_size=np.zeros((T, 3), i8), by_member=np.zeros((T, 2), i8),
        compliant=np.zeros(T, i8), water_saved=np.zeros(T), chemicals=np.zeros(T), energy=np.zeros(T),
        pollution_load=np.zeros(T), savings=np.zeros(T), private_investment=np.zeros(T),
        public_cost=np.zeros((T, len(PUBLIC))), installs=np.zeros(T, i8), contacts=np.zeros(T, i8),
        reached=np.zeros(T, i8), adopters_reached=np.zeros(T, i8),
    )
