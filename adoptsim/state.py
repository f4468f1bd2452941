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
from numba import njit

# The public cost ledger (columns of Series.public_cost) and the recorded arrays are declared in the outcome table.
from .outcome_table import PAID_AT_ADOPTION, PUBLIC, SERIES, Cost, dim_sizes  # noqa: F401

# Ways an adoption is financed.
FIN_NONE, FIN_OWN, FIN_BANK, FIN_SCHEME, FIN_CONSORTIUM = -1, 0, 1, 2, 3

# Lenders (``loan_kind`` of a loan slot); FIN_PLANT is a member's share of its body's plant loans.
FIN_PLANT = 4
#: Loan slots of a firm: one per option (slot k finances option k), then the member's share of its common
#: plant's loans and the loan for its own upfront part of the plant.
MAX_OPTIONS = 8  # adopted is a uint8 bit set
SLOT_PLANT_SHARE, SLOT_PLANT_OWN = MAX_OPTIONS, MAX_OPTIONS + 1
N_LOANS = MAX_OPTIONS + 2

# Firm status (each month every initial firm is in exactly one).
ACTIVE, IN_PARK, AWAY, CLOSED = 0, 1, 2, 3
NEVER = 10**9  # a month that never comes (e.g. exit_month without an exit rule)
# Exit choice asked this month (scratch).
EXIT_NONE, EXIT_PARK, EXIT_AWAY, EXIT_CLOSE = 0, 1, 2, 3
# Common-plant life cycle of a collective body.
PLANT_NONE, PLANT_PLEDGING, PLANT_BUILDING, PLANT_BUILT, PLANT_FAILED = 0, 1, 2, 3, 4


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
    ("margin", np.float64, "operating margin, share of revenue (before cleaner-production items and debt)"),
    ("reserve", np.float64, "currency: its normal free cash (the initial cash), rebuilt from the margin after spending"),
    # state, evolving monthly
    ("cash", np.float64, "currency: free cash (own funds for investment), carried month to month by the cash book"),
    ("aware", np.bool_, "knows cleaner options exist"),
    ("belief", (np.float64, (MAX_OPTIONS,)), "perceived share of each option's true savings"),
    ("adopted", np.uint8, "bit k set when option k is installed"),
    ("reached", np.bool_, "contacted by outreach at least once"),
    ("status", np.int64, "0 at its site, 1 relocated into the park, 2 relocated out, 3 closed"),
    ("body", np.int64, "collective body (association chapter / park committee) it belongs to, or -1"),
    ("operating", np.uint8, "bit k set when installed option k runs this month"),
    ("pledged", np.bool_, "pledged to its body's common plant (after it is built: asked to connect)"),
    ("connected", np.bool_, "connected to its body's common plant"),
    ("plant_level", np.int64, "compliance level its common plant gives it this month (0 if none or idle)"),
    ("plant_removed", np.float64, "share of its load the common plant removes this month"),
    ("plant_recovered", np.float64, "share of its effluent the common plant returns for reuse this month"),
    # loans: one slot per option, then the common plant's (rules/cashbook.py)
    ("loan", (np.float64, (N_LOANS,)), "outstanding principal per loan slot"),
    ("loan_rate", (np.float64, (N_LOANS,)), "1/yr interest rate per slot"),
    ("loan_due", (np.float64, (N_LOANS,)), "principal repaid per month per slot (straight line)"),
    ("loan_months", (np.int64, (N_LOANS,)), "repayments left per slot"),
    ("loan_kind", (np.int64, (N_LOANS,)), "lender per slot: 1 bank, 2 green scheme, 3 consortium, 4 plant loans"),
    ("loan_public", (np.float64, (N_LOANS,)), "share of a default loss public money bears per slot"),
    ("loan_subsidy", (np.float64, (N_LOANS,)), "1/yr interest-rate subsidy per slot (public, paid monthly)"),
    ("service", np.float64, "currency/month: debt service due next month on all loans"),
    ("defaulted", np.bool_, "has defaulted on a loan: no lender lends to it again"),
    ("arrears", np.int64, "consecutive months ending with negative cash and a negative result"),
    ("borrowed", np.float64, "currency: loans drawn to date"),
    ("repaid", np.float64, "currency: principal repaid to date"),
    ("written_off", np.float64, "currency: principal lost by lenders in its defaults to date"),
    ("carried_out", np.float64, "currency: principal outstanding when it moved away (repaid outside the cluster)"),
    # this month's scratch
    ("intent", np.int64, "option asked of a vendor this month, or -1"),
    ("priority", np.float64, "vendor queue key this month"),
    ("contacted", np.bool_, "reached by outreach this month"),
    ("paid", (np.float64, (PAID_AT_ADOPTION,)), "public money booked on this month's adoption, by ledger entry "
                                                "(index Cost.SUBSIDY, ...: the outcome table's 'adoption' entries)"),
    ("invested", np.float64, "net capex borne by the firm"),
    ("spent", np.float64, "private spending this month outside vendor installs (plant shares, moves)"),
    ("exit_choice", np.int64, "0 none, 1 asks for a park plot, 2 relocates out, 3 closes (this month)"),
    ("exit_fallback", np.int64, "what it does if no park plot is granted: 2 relocates out, 3 closes"),
    ("paid_relocation", np.float64, "relocation support paid this month"),
    ("paid_land", np.float64, "park land subsidy paid this month"),
    ("paid_rate_subsidy", np.float64, "interest-rate subsidy paid on its scheme loans this month"),
    ("paid_guarantee", np.float64, "guarantor's payment on its defaulted loans this month"),
    ("paid_plant_loss", np.float64, "public plant loans lost in its default this month"),
    ("lost", (np.float64, (4,)), "principal lost this month by lender (bank, scheme, consortium, plant loans), net of public cover"),
    ("default_month", np.bool_, "defaulted this month"),
    ("insolvent", np.bool_, "closed this month because its cash stayed negative"),
    # the month's cash book (closing cash = cash_open + the lines, rules/cashbook.py)
    ("cash_open", np.float64, "cash at the start of the month"),
    ("cf_margin", np.float64, "operating margin earned"),
    ("cf_running", np.float64, "running costs net of savings of its units and its plant charge"),
    ("cf_debt", np.float64, "debt service paid (principal and interest)"),
    ("cf_penalty", np.float64, "penalties and committee fines paid"),
    ("cf_drawings", np.float64, "owner's drawings (the share of a positive result not retained)"),
    ("cf_capex", np.float64, "investment paid: options net of public support, plant shares, moves"),
    ("cf_loans", np.float64, "loans drawn"),
)
#: Memory layout of a firm record (``FIRM_FIELDS`` is the documented order): the fields every active firm reads
#: or writes every month first, packed into as few cache lines as the month's passes touch (identity and flags
#: for the cluster signals, then the cash book, then traits the decisions read); then the rest in
#: ``FIRM_FIELDS`` order, the ten loan slots among them. The layout changes no number, only memory traffic.
HOT_FIELDS = (
    "id", "status", "locality", "body",
    "adopted", "operating", "member", "demo", "aware", "contacted", "reached", "pledged", "connected",
    "default_month", "insolvent", "bank", "scheme_known", "guaranteed", "defaulted",
    "intent", "exit_choice", "plant_level", "arrears",
    "cash", "cash_open", "cf_margin", "cf_running", "cf_debt", "cf_penalty", "cf_drawings", "cf_capex", "cf_loans",
    "spent", "paid_relocation", "paid_land", "paid_rate_subsidy", "paid_guarantee", "paid_plant_loss", "lost",
    "service", "margin", "revenue", "reserve", "water_use", "horizon", "export_share", "plant_removed",
    "plant_recovered", "belief",
)
_FIELD_TYPES = {name: dtype for name, dtype, _ in FIRM_FIELDS}
FIRM_DTYPE = np.dtype([(name, _FIELD_TYPES[name]) for name in HOT_FIELDS]
                      + [(name, dtype) for name, dtype, _ in FIRM_FIELDS if name not in HOT_FIELDS], align=True)


BODY_FIELDS = (
    ("id", np.int64, "index; keys the body's random draws"),
    ("kind", np.int64, "0 association chapter, 1 industrial-park committee"),
    ("state", np.int64, "common plant: 0 none, 1 pledging, 2 building, 3 built, 4 failed"),
    ("members", np.int64, "member firms at their sites"),
    ("flow_now", np.float64, "m3/yr: members' water use this month"),
    ("exposure", np.float64, "currency/yr connected members stand to lose if the plant idles"),
    ("member_flow", np.float64, "m3/yr: members' water use when the plant was proposed (design flow)"),
    ("pledged_flow", np.float64, "m3/yr: flow of members who pledged"),
    ("pledgers", np.int64, "members who pledged"),
    ("capex", np.float64, "currency: plant cost at the design flow"),
    ("capacity", np.float64, "m3/yr the plant can treat (0 until built)"),
    ("ready_month", np.int64, "month construction ends"),
    ("connected", np.int64, "firms connected"),
    ("connected_flow", np.float64, "m3/yr of connected firms' effluent"),
    ("committed_flow", np.float64, "m3/yr of the capacity taken: connected firms and those admitted to connect"),
    ("operating", np.bool_, "the plant runs this month"),
    ("paid_grant", np.float64, "grant paid this month"),
    ("paid_loan", np.float64, "interest forgone on the public interest-free loan, booked this month"),
    ("paid_organising", np.float64, "pledge organising paid this month"),
    ("invested", np.float64, "members' contributions and connection fees paid this month"),
)
BODY_DTYPE = np.dtype([(name, dtype) for name, dtype, _ in BODY_FIELDS], align=True)


def new_firms(n: int) -> np.recarray:
    """A zeroed firm table (one record per firm; ``intent`` and ``body`` set to -1)."""
    firms = np.zeros(n, FIRM_DTYPE).view(np.recarray)
    firms.intent[:] = -1
    firms.body[:] = -1
    return firms


def new_bodies(n: int) -> np.recarray:
    """A zeroed table of collective bodies."""
    bodies = np.zeros(n, BODY_DTYPE).view(np.recarray)
    bodies.id[:] = np.arange(n)
    return bodies


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


#: The Params the rules read that are not one scenario value: derived from the profile or from several
#: scenario values by :func:`adoptsim.population.derived_params` (name, meaning).
DERIVED_PARAMS: tuple[tuple[str, str], ...] = (
    ("n_localities", "neighbourhoods of the cluster (profile)"),
    ("bank_rate", "1/yr bank interest rate (profile)"),
    ("loan_term", "months of a loan (profile)"),
    ("inspection_rate", "1/month: the profile's rate plus the enforcement lever's, capped at 1"),
    ("penalty", "currency per detected violation: the lever's, else the profile's"),
    ("outreach_by_association", "outreach contacts members first"),
    ("capacity", "installations/month vendors can make, capacity building included"),
    ("inspect_operation", "inspections check that treatment runs, not only that it is installed"),
    ("cp_enabled", "a common plant is proposed to each association chapter (not an existing park plant)"),
    ("cp_min_share", "share of member flow that must pledge for the plant to be viable (plant design)"),
    ("cp_capex_fixed", "currency: plant capex, fixed part (plant design)"),
    ("cp_capex_per_m3", "currency per m3/yr of design flow (plant design)"),
    ("cp_opex_per_m3", "currency/yr per m3/yr treated (plant design)"),
    ("cp_fee", "connection fee per firm (plant design)"),
    ("cp_level", "compliance level the plant gives (plant design)"),
    ("cp_removed", "share of the load the plant removes (plant design)"),
    ("cp_recovered", "share of effluent returned for reuse (plant design)"),
    ("cp_buyer_credit", "how far engaged buyers credit the plant (plant design)"),
    ("cp_by_flow", "plant cost shared by flow (else equally per member)"),
    ("cp_build_months", "months of construction (plant design)"),
    ("inlet_max_load", "highest untreated load share a member may send to the plant (plant design)"),
    ("exit_month", "from this month, firms short of the mandate close or relocate (NEVER if no exit rule)"),
    ("import_duty", "share of the imported value of equipment paid as customs duty (profile)"),
    ("retained_share", "share of a positive monthly result a firm keeps as free cash (profile)"),
    ("default_hazard", "probability a borrower defaults in a month for reasons outside the model: the profile's "
                       "yearly default_rate as a monthly hazard, 1 - (1 - rate)^(1/12)"),
    ("debt_cover", "minimum monthly margin / debt service lenders accept (profile)"),
    ("arrears_limit", "months of negative cash after which a firm is insolvent and closes"),
    ("demo_option", "index of the option the demonstration pilots install"),
    ("park_land_cost", "currency per plot (profile)"),
    ("park_fee", "currency/yr park fee (profile)"),
    ("move_cost_per_m3", "currency per m3/yr of water use to move (profile)"),
    ("move_fixed", "currency: fixed cost of a move (profile)"),
    ("consumption", "share of abstraction consumed, not discharged (profile)"),
    ("recharge", "m3/yr recharge of the shared resource"),
    ("storage_per_m", "m3 of drawdown per metre of added depth"),
    ("cost_per_m", "currency per m3 per metre of added depth (profile)"),
    ("cod_per_m3", "kg organic load (COD) per m3 of untreated effluent (profile)"),
    ("chem_per_m3", "kg chemicals per m3 of untreated effluent (profile)"),
)


def _scenario_params() -> list[str]:
    """Flat keys of the scenario parameters a compiled rule can read: numbers, switches, numeric choices."""
    from .scenario.space import parameter_space

    return [p.key for p in parameter_space().values()
            if not p.optional and (p.kind in ("float", "int", "bool")
                                   or (p.kind == "choice" and all(isinstance(c, int) for c in p.choices)))]


Params = NamedTuple("Params", [(name, object) for name in _scenario_params()]
                    + [(name, object) for name, _ in DERIVED_PARAMS])
Params.__module__ = __name__
Params.__doc__ = """Every scalar the rules read, flattened from scenario and profile.

A field named after a flat scenario key (``capex_subsidy_share``, every numeric or switch parameter of
:data:`adoptsim.scenario.space.PARAMETERS`) is that scenario value; the others are :data:`DERIVED_PARAMS`.
Adding a scenario parameter to the schema adds it here: a rule reads it as ``p.<flat key>``."""


class ClusterCosts(NamedTuple):
    """Public costs that do not depend on any one firm's decision, fixed by ``build_world`` (currency)."""

    per_contact: float          # each outreach contact
    inspections_per_month: float  # the extra inspections actually made
    vendors_per_month: float    # added installation slots
    platform_per_month: float   # the buyer platform
    promotion_at_month_1: float  # informing every firm that knows the scheme
    pilots_at_month_0: float    # demonstration pilots


class Signals(NamedTuple):
    """Cluster-wide quantities every firm sees in a month (from last month's state); the per-locality ones are
    rows of a :data:`LOCALITY_DTYPE` table beside it (a firm reads its own locality's row)."""

    share_all: float
    share_members: float
    member_demo: bool
    outreach_member: float    # contact probability this month
    outreach_other: float
    water_cost: float         # extra supply cost per m3 from last month's drawdown
    visit_member: float       # probability a member elsewhere visits a demonstration site this month
    visit_other: float        # ... and any other firm elsewhere


LOCALITY_FIELDS = (
    ("share", np.float64, "share of the locality's firms that installed any option"),
    ("demo", np.bool_, "a demonstration site is in the locality"),
    ("visit", np.float64, "probability a firm there visits its demo site this month"),
    ("peer_keep", (np.float64, (MAX_OPTIONS,)), "per option: exp(-learn_peer * peer signal of the option there)"),
    ("drop_keep", (np.float64, (MAX_OPTIONS,)), "per option: exp(-learn_dropout * share who dropped the option)"),
)
#: One row per locality of the month's signals. A record, not arrays in the Signals tuple, so the compiled firm
#: loop hands each firm its row without reference counting (arrays inside an inlined rule's tuple argument cost
#: an atomic increment and decrement per firm and array).
LOCALITY_DTYPE = np.dtype([(name, dtype) for name, dtype, _ in LOCALITY_FIELDS], align=True)


CENSUS_FIELDS = (
    ("firms", np.int64, "every initial firm of the locality, wherever it is now"),
    ("adopters", np.int64, "firms that installed any option"),
    ("members", np.int64, "association members"),
    ("member_adopters", np.int64, "members that installed any option"),
    ("member_demo", np.bool_, "a member there is a demonstration site"),
    ("demo", np.bool_, "a demonstration site is there"),
    ("sites", np.int64, "demonstration sites still active at their site"),
    ("option", (np.int64, (MAX_OPTIONS,)), "firms that installed option k"),
    ("dropped", (np.int64, (MAX_OPTIONS,)), "of those, firms that left it idle or closed"),
)
#: One row per locality: the counts of the firm table the month's signals are computed from
#: (:mod:`adoptsim.rules.signals`). A record per locality, like the locality table, so the record pass adds a firm
#: to its row without reference counting.
CENSUS_DTYPE = np.dtype([(name, dtype) for name, dtype, _ in CENSUS_FIELDS], align=True)


class MonthWork(NamedTuple):
    """The compiled months' working memory (one per :func:`adoptsim.kernel.simulate` call, see its docstring).

    ``census`` counts the firm table by locality at the end of month ``census_month[0]`` (-1: none taken yet);
    the cluster signals are computed from it, and the record pass takes it as it writes the outcome row, so the
    next month's signals need no pass of their own. ``requests`` lists the firms that asked a vendor this month
    (the first ``n_requests[0]``, in firm order), so the vendor queue and the installs visit only them.
    """

    census: np.ndarray        # CENSUS_DTYPE[L]
    census_month: np.ndarray  # int64[1]
    requests: np.ndarray      # int64[n]
    n_requests: np.ndarray    # int64[1]


@njit(cache=True)
def new_work(n_firms: int, n_localities: int) -> MonthWork:
    """Working memory for ``n_firms`` firms in ``n_localities`` localities, with no census taken."""
    return MonthWork(np.zeros(max(1, n_localities), CENSUS_DTYPE), np.full(1, -1, np.int64),
                     np.zeros(max(1, n_firms), np.int64), np.zeros(1, np.int64))


Series = NamedTuple("Series", [(m.name, np.ndarray) for m in SERIES])
Series.__module__ = __name__
Series.__doc__ = """Monthly outcomes, row 0 = initial state, row m = end of month m: one array per
entry of :data:`adoptsim.outcome_table.SERIES` (shape, dtype, unit and meaning there)."""


def empty_series(months: int, n_options: int, n_sectors: int) -> Series:
    """Zeroed outcome arrays for ``months`` months (T + 1 rows)."""
    T = months + 1
    widths = dim_sizes(n_options, n_sectors)
    return Series(*(np.zeros((T, widths[m.dim]) if m.dim else T, m.dtype) for m in SERIES))
