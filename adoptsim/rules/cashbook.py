r"""The firm's cash book: a month's margin, running costs, debt service, penalties, drawings and investment.

Each month an active firm earns its operating margin :math:`\mu_i Y_i/12`, pays
the running costs of its units net of their savings and its common plant's
charge (:math:`-\text{savings}/12`), services every loan, and pays any penalty
an inspection or its plant committee finds. Its free cash has a normal level,
its *reserve* :math:`\bar c_i` (the profile's free-cash share of revenue, drawn
at synthesis: the initial cash). Of a positive result the owner keeps the
share :math:`r` (``retained_share``) until cash is back at the reserve and
draws the rest; a negative result comes out of cash in full, and while cash
is negative the owner draws nothing until it is restored:

.. math::

    R_t &= \mu_i Y_i/12 - \text{running}_t - \text{debt}_t - \text{penalties}_t, \qquad
    D^0_t = (1 - r)\max\bigl(0,\; R_t + \min(\text{cash}_{t-1}, 0)\bigr) \\
    D_t &= D^0_t + \max\bigl(0,\; \text{cash}_{t-1} + R_t - D^0_t - \max(\bar c_i, \text{cash}_{t-1})\bigr) \\
    \text{cash}_t &= \text{cash}_{t-1} + R_t - D_t - \text{capex}_t + \text{loans}_t

So a firm that spends its free cash on an investment rebuilds it from its
margin, a month's result at a time; cash never grows past the reserve from
the margin (the owner has other uses for it), which keeps the profile's
free-cash share the steady state.

Every change of cash goes through :func:`settle`, which writes exactly this
sum, so the book closes bit for bit. Loans sit in slots (one per option, two
for the common plant) and are repaid straight-line over the profile's term.

A borrower defaults (every loan written off, no lender lends to it again) with
the profile's yearly ``default_rate`` (as the monthly hazard ``p.default_hazard``) for reasons outside the model, and when
it has ended ``arrears_limit`` consecutive months with negative cash *and* a
negative result (it loses money and has nothing left to lose it from): it is
then insolvent and closes. A one-off shock (a penalty) that leaves cash
negative while the firm still earns is worked off: the owner draws nothing
until cash is restored, and a firm with negative cash has no own funds to
invest (it may still borrow within its credit limit). A default's loss falls on the lender, except the share
public money covers: a guaranteed scheme loan's guarantee cover (booked as
``guarantee``) and the interest-free part of a plant loan (``plant_loan``).
A firm that moves away takes its loans with it (``carried_out``).
"""

from __future__ import annotations

from numba import njit

from .. import rng
from ..state import CLOSED, FIN_BANK, FIN_PLANT, FIN_SCHEME, N_LOANS, Options, Params
from .economics import level_of, load_share


@njit(cache=True, inline="always")
def settle(f) -> None:
    """Write the closing cash from the month's opening cash and its book lines."""
    f.cash = (f.cash_open + f.cf_margin - f.cf_running - f.cf_debt - f.cf_penalty - f.cf_drawings
              - f.cf_capex + f.cf_loans)


@njit(cache=True, inline="always")
def open_book(f) -> None:
    """Start the month's book: opening cash, every line and the month's loan bookings at zero."""
    f.cash_open = f.cash
    f.cf_margin = 0.0
    f.cf_running = 0.0
    f.cf_debt = 0.0
    f.cf_penalty = 0.0
    f.cf_drawings = 0.0
    f.cf_capex = 0.0
    f.cf_loans = 0.0
    f.paid_rate_subsidy = 0.0
    f.paid_guarantee = 0.0
    f.paid_plant_loss = 0.0
    f.lost[:] = 0.0
    f.default_month = False
    f.insolvent = False


@njit(cache=True, inline="always")
def next_service(f) -> float:
    """Debt service due next month on every loan (principal share plus interest)."""
    total = 0.0
    for s in range(N_LOANS):
        balance = f.loan[s]
        if balance > 0.0:
            total += min(f.loan_due[s], balance) + balance * f.loan_rate[s] / 12.0
    return total


@njit(cache=True, inline="always")
def borrow(f, slot: int, amount: float, kind: int, rate: float, public: float, subsidy: float, p: Params) -> None:
    """Draw a loan of ``amount`` into ``slot`` (repaid over the profile's term); books the draw as cash in."""
    if amount <= 0.0:
        return
    f.loan[slot] += amount
    f.loan_rate[slot] = rate
    f.loan_kind[slot] = kind
    f.loan_public[slot] = public
    f.loan_subsidy[slot] = subsidy
    f.loan_months[slot] = int(p.loan_term)
    f.loan_due[slot] = f.loan[slot] / p.loan_term
    f.borrowed += amount
    f.cf_loans += amount
    f.service = next_service(f)


@njit(cache=True, inline="always")
def borrow_for(f, slot: int, amount: float, kind: int, rate: float, p: Params) -> None:
    """Draw a loan from the lender ``financing`` chose, with its public cover and rate subsidy."""
    public = p.green_finance_guarantee_cover if kind == FIN_SCHEME and not f.bank else 0.0
    subsidy = p.bank_rate - rate if kind >= FIN_SCHEME and p.green_finance_enabled else 0.0
    borrow(f, slot, amount, kind, rate, public, subsidy, p)


@njit(cache=True, inline="always")
def service_debt(f) -> None:
    """Pay this month's interest and principal on every loan; books the interest-rate subsidy."""
    paid = 0.0
    subsidy = 0.0
    for s in range(N_LOANS):
        balance = f.loan[s]
        if balance <= 0.0:
            continue
        subsidy += balance * f.loan_subsidy[s] / 12.0
        principal = balance if f.loan_months[s] <= 1 else min(f.loan_due[s], balance)
        paid += principal + balance * f.loan_rate[s] / 12.0
        f.loan[s] = balance - principal if f.loan_months[s] > 1 else 0.0
        f.loan_months[s] -= 1
        f.repaid += principal
    f.cf_debt = paid
    f.paid_rate_subsidy = subsidy
    f.service = next_service(f)


@njit(cache=True)
def default_loans(f) -> None:
    """Write off every loan: the lender loses it, less the share public money covers; no credit again."""
    had = False
    for s in range(N_LOANS):
        balance = f.loan[s]
        if balance <= 0.0:
            continue
        had = True
        public = balance * f.loan_public[s]
        kind = f.loan_kind[s]
        if kind == FIN_SCHEME:
            f.paid_guarantee += public
        elif kind == FIN_PLANT:
            f.paid_plant_loss += public
        f.lost[kind - FIN_BANK] += balance - public
        f.written_off += balance
        f.loan[s] = 0.0
        f.loan_months[s] = 0
    f.service = 0.0
    if had:
        f.defaulted = True
        f.default_month = True


@njit(cache=True, inline="always")
def leave_site(f, status: int) -> None:
    """The firm leaves its site (moved or closed): no connection, pledge or running unit there."""
    f.status = status
    f.connected = False
    f.pledged = False
    f.plant_level = 0
    f.plant_removed = 0.0
    f.plant_recovered = 0.0
    f.operating = 0


@njit(cache=True)
def carry_out(f) -> None:
    """A firm that moves away takes its loans with it (repaid outside the cluster)."""
    for s in range(N_LOANS):
        f.carried_out += f.loan[s]
        f.loan[s] = 0.0
        f.loan_months[s] = 0
    f.service = 0.0


@njit(cache=True, inline="always")
def running_savings(f, opts: Options, p: Params, water_cost: float) -> float:
    """Net money savings per year of the firm's running options, less its common plant's charge."""
    total = 0.0
    if f.operating == 0 and not f.connected:
        return total
    for k in range(len(opts.savings_per_m3)):
        if (f.operating >> k) & 1 == 1:
            total += opts.savings_per_m3[k] * f.water_use
            if p.water_feedback:
                total += opts.water_saving[k] * f.water_use * water_cost
    if f.plant_level > 0 or f.plant_removed > 0.0:  # connected to a running plant
        total -= p.cp_opex_per_m3 * f.water_use
        if p.water_feedback:
            total += f.plant_recovered * f.water_use * water_cost
    return total


@njit(cache=True, inline="always")
def seen_level(f, opts: Options, p: Params) -> int:
    """The compliance level an inspector sees: what runs, or with presence checks what is installed or connected."""
    if p.inspect_operation:
        return level_of(f.operating, f, opts)
    seen = level_of(f.adopted, f, opts)
    if f.connected and p.cp_level > seen:
        seen = p.cp_level
    return seen


@njit(cache=True, inline="always")
def penalties_paid(f, key: int, month: int, opts: Options, p: Params) -> float:
    """Penalties an inspection finds this month, and the committee's fine for an over-strength inlet."""
    paid = 0.0
    if p.inspection_rate > 0.0 and rng.draw(key, rng.INSPECT) < p.inspection_rate:
        level = seen_level(f, opts, p)
        if level < 1:
            paid += p.penalty
        if p.mandate_level > 0 and month >= p.mandate_deadline_month and level < p.mandate_level:
            paid += p.mandate_penalty
    if (f.connected and p.common_plant_committee_penalty > 0.0
            and rng.draw(key, rng.COMMITTEE) < p.common_plant_committee_monitoring
            and load_share(f.operating, opts) > p.inlet_max_load):
        paid += p.common_plant_committee_penalty
    return paid


@njit(cache=True, inline="always")
def month_book(f, key: int, month: int, opts: Options, p: Params, water_cost: float, waiting: bool) -> None:
    """The month's operating lines, debt service, penalties and drawings; then defaults and insolvency.

    Runs after the firm decided which units operate. A firm ``waiting`` for the
    plant it pledged to is not fined. Leaves ``f.status`` CLOSED when the firm
    is insolvent this month.
    """
    f.cf_margin = f.margin * f.revenue / 12.0
    f.cf_running = -running_savings(f, opts, p, water_cost) / 12.0
    if f.service > 0.0:
        service_debt(f)
    f.cf_penalty = 0.0 if waiting else penalties_paid(f, key, month, opts, p)
    result = f.cf_margin - f.cf_running - f.cf_debt - f.cf_penalty
    drawings = (1.0 - p.retained_share) * max(0.0, result + min(f.cash_open, 0.0))
    above = f.cash_open + result - drawings - max(f.reserve, f.cash_open)
    f.cf_drawings = drawings + max(0.0, above)  # nothing is kept above the firm's normal free cash
    settle(f)
    if f.service > 0.0 and p.default_hazard > 0.0:
        if rng.draw(key, rng.DEFAULT) < p.default_hazard:
            default_loans(f)
    if f.cash < 0.0 and result < 0.0:  # losing money with nothing left to lose
        f.arrears += 1
        if f.arrears >= p.arrears_limit:
            default_loans(f)
            f.insolvent = True
            leave_site(f, CLOSED)
    else:
        f.arrears = 0
