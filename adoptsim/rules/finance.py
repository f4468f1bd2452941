r"""How a firm pays for an option: own cash, bank, green scheme or consortium.

Own cash goes first. A shortfall needs a loan: a bank loan if the firm has
bank access; a green-scheme loan at :math:`\rho - \Delta\rho` if the scheme
exists, the firm knows it, and it has bank access or a guarantee; a
consortium loan for association members. The cheapest available rate wins.

Every lender limits credit by cash flow: the loan is granted only if the
firm's monthly debt service with it stays within its monthly operating
margin, plus what the investment itself earns or costs a month (:math:`\Delta_k`:
its savings net of running costs, as appraised from the audit), divided by the
cover lenders require, :math:`S_i + L(1/T + \rho/12) \le (\mu_i Y_i/12 + \Delta_k) / c`. A firm that has
defaulted gets no further loan. Interest a firm *expects* to pay over the
term (what it weighs in a decision) is that of a straight-line loan,
:math:`I = L\,\rho\,T/24`; what it actually pays is in the cash book
(:mod:`adoptsim.rules.cashbook`).
"""

from __future__ import annotations

from numba import njit

from ..state import FIN_BANK, FIN_CONSORTIUM, FIN_NONE, FIN_OWN, FIN_SCHEME, Params


@njit(cache=True, inline="always")
def service_of(loan: float, rate: float, p: Params) -> float:
    """First month's debt service of a new straight-line loan (principal share plus interest)."""
    return loan / p.loan_term + loan * rate / 12.0


@njit(cache=True, inline="always")
def can_service(f, loan: float, rate: float, income: float, p: Params) -> bool:
    """Whether lenders accept one more loan: debt service within the cover of the margin plus the investment's
    own monthly ``income`` (and no past default)."""
    if f.defaulted:
        return False
    capacity = (f.margin * f.revenue / 12.0 + income) / p.debt_cover
    return f.service + service_of(loan, rate, p) <= capacity


@njit(cache=True, inline="always")
def financing(f, net: float, p: Params, income: float = 0.0) -> tuple:
    """(kind, loan, rate) for a net cost ``net`` of an investment earning ``income`` a month; FIN_NONE when infeasible."""
    own = min(max(f.cash, 0.0), net)
    loan = net - own
    if loan <= 0.0:
        return FIN_OWN, 0.0, 0.0
    if own < p.down_payment * net:
        return FIN_NONE, loan, 0.0
    kind = FIN_NONE
    rate = 1e300
    if f.bank:
        kind, rate = FIN_BANK, p.bank_rate
    green = max(p.bank_rate - p.green_finance_rate_subsidy, 0.0)
    if p.green_finance_enabled and f.scheme_known and (f.bank or f.guaranteed) and green < rate:
        kind, rate = FIN_SCHEME, green
    if p.green_finance_consortium and f.member:
        pooled = green if p.green_finance_enabled else p.bank_rate
        if pooled < rate:
            kind, rate = FIN_CONSORTIUM, pooled
    if kind == FIN_NONE or not can_service(f, loan, rate, income, p):
        return FIN_NONE, loan, 0.0
    return kind, loan, rate


@njit(cache=True, inline="always")
def interest(loan: float, rate: float, p: Params) -> float:
    """Interest a firm expects to pay over the loan term (straight-line repayment)."""
    return loan * rate * p.loan_term / 24.0
