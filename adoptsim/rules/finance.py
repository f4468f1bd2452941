r"""How a firm pays for an option: own cash, bank, green scheme or consortium.

Own cash goes first. A shortfall needs a loan: a bank loan if the firm has
bank access; a green-scheme loan at :math:`\rho - \Delta\rho` if the scheme
exists, the firm knows it, and it has bank access or a guarantee; a
consortium loan for association members. The cheapest available rate wins.
Interest over the term is approximated by the average outstanding balance
of a straight-line loan: :math:`I = L\,\rho\,T/24` for term *T* months.
"""

from __future__ import annotations

from numba import njit

from ..state import FIN_BANK, FIN_CONSORTIUM, FIN_NONE, FIN_OWN, FIN_SCHEME, Params


@njit(cache=True, inline="always")
def financing(f, net: float, p: Params) -> tuple:
    """(kind, loan, rate) for a net cost ``net``; kind FIN_NONE when infeasible."""
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
    if kind == FIN_NONE:
        return FIN_NONE, loan, 0.0
    return kind, loan, rate


@njit(cache=True, inline="always")
def interest(loan: float, rate: float, p: Params) -> float:
    """Interest paid over the loan term (straight-line repayment)."""
    return loan * rate * p.loan_term / 24.0
