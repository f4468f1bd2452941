r"""What an option costs a firm and what it is worth to it, per year.

.. math::

    C_{ik} &= \max\bigl(0,\; K_{ik} - \min(s K_{ik}, \bar s) - r\,m_k K_{ik} - R\bigr) + I_{ik},
    \qquad K_{ik} = K^0_k + \kappa_k w_i \\
    B_{ik} &= b_i^{+}\, \sigma_k w_i
             + \bigl[\Pi_i(L_i) - \Pi_i(\max(L_i, \ell_k))\bigr]
             + e\,\pi\, x_i\, Y_i \max(0, \beta_k - \beta_i)

with capex :math:`K`, subsidy share *s* and cap, tariff rebate *r* on the
imported share :math:`m_k`, recognition reward *R*, loan interest *I*;
perceived savings (belief applies to gains only), expected annual penalty
:math:`\Pi` at compliance level *L*, and buyer value from export share *x*
and revenue *Y*.
"""

from __future__ import annotations

import math

from numba import njit

from ..state import Options, Params


@njit(cache=True, inline="always")
def has(f, k: int) -> bool:
    """Whether firm record ``f`` has installed option k."""
    return (f.adopted >> k) & 1 == 1


@njit(cache=True, inline="always")
def capex(f, k: int, opts: Options) -> float:
    """One-off cost of option k for firm ``f`` before any public support."""
    return opts.capex_fixed[k] + opts.capex_per_m3[k] * f.water_use


@njit(cache=True, inline="always")
def public_support(gross: float, k: int, opts: Options, p: Params) -> tuple:
    """(subsidy, tariff rebate, reward) paid on an adoption of gross cost ``gross``.

    Applied in that order, each at most what is left of the cost, so public
    support never exceeds the capex.
    """
    subsidy = min(p.subsidy_share * gross, p.subsidy_cap)
    rebate = min(p.tariff_rebate * opts.imported_share[k] * gross, gross - subsidy)
    reward = min(p.reward, max(0.0, gross - subsidy - rebate))
    return subsidy, rebate, reward


@njit(cache=True, inline="always")
def compliance_level(f, opts: Options) -> int:
    """Highest compliance level among the firm's adopted options."""
    level = 0
    for k in range(len(opts.compliance_level)):
        if has(f, k) and opts.compliance_level[k] > level:
            level = opts.compliance_level[k]
    return level


@njit(cache=True, inline="always")
def buyer_credit(f, opts: Options) -> float:
    """Highest buyer credit among the firm's adopted options."""
    credit = 0.0
    for k in range(len(opts.buyer_credit)):
        if has(f, k) and opts.buyer_credit[k] > credit:
            credit = opts.buyer_credit[k]
    return credit


@njit(cache=True, inline="always")
def expected_penalty(level: int, month: int, horizon: float, p: Params) -> float:
    """Expected penalties per year for a firm at compliance ``level``.

    Below the discharge standard (level 1) the baseline regime applies. A
    mandate counts once its deadline is within the firm's horizon, discounted
    by the probability firms put on it being struck down (legal uncertainty).
    """
    per_year = 12.0 * p.inspection_rate
    penalty = 0.0
    if level < 1:
        penalty += per_year * p.penalty
    if p.mandate_level > 0 and level < p.mandate_level and p.mandate_month - month <= horizon:
        penalty += per_year * p.mandate_penalty * (1.0 - p.mandate_uncertainty)
    return penalty


@njit(cache=True, inline="always")
def annual_benefit(f, k: int, month: int, opts: Options, p: Params) -> float:
    """Perceived yearly value of option k to firm ``f``: savings + penalties avoided + buyer value."""
    savings = opts.savings_per_m3[k] * f.water_use
    if savings > 0.0:
        savings *= f.belief
    level = compliance_level(f, opts)
    new_level = max(level, opts.compliance_level[k])
    avoided = expected_penalty(level, month, f.horizon, p) - expected_penalty(new_level, month, f.horizon, p)
    gain = opts.buyer_credit[k] - buyer_credit(f, opts)
    buyer = 0.0
    if gain > 0.0:
        buyer = p.buyer_engaged * p.buyer_pressure * f.export_share * f.revenue * gain
    return savings + avoided + buyer


@njit(cache=True, inline="always")
def payback_months(cost: float, benefit: float) -> float:
    """Simple payback in months; infinite when the option never pays."""
    if benefit <= 0.0:
        return math.inf
    return 12.0 * cost / benefit


@njit(cache=True, inline="always")
def acceptance_probability(payback: float, horizon: float, noise: float) -> float:
    """Logistic payback test against the firm's own horizon (step function at noise 0)."""
    if payback == math.inf:
        return 0.0
    scale = noise * horizon
    if scale <= 0.0:
        return 1.0 if payback <= horizon else 0.0
    z = (payback - horizon) / scale
    z = min(max(z, -700.0), 700.0)
    return 1.0 / (1.0 + math.exp(z))
