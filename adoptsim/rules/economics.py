r"""What an option costs a firm, what it is worth to it per year, and how soon it pays the firm back.

.. math::

    C_{ik} &= \max\bigl(0,\; K_{ik} - \min(s K_{ik}, \bar s) - r\,\tau\, m_k K_{ik} - R\bigr),
    \qquad K_{ik} = K^0_k + \kappa_k w_i \\
    B_{ik} &= b_{ik}^{+}\, \sigma_k w_i
             + \bigl[\Pi_i(L_i) - \Pi_i(\max(L_i, \ell_k))\bigr]
             + e\,\pi\, x_i\, Y_i \max(0, \beta_k - \beta_i) \\
    P_{ik} &= \begin{cases} \omega E / d & d > 0,\ \omega E \le d\,T \\
                            T + (\omega E - d\,T) / (B_{ik}/12) & \text{otherwise} \end{cases}
    \qquad d = B_{ik}/12 - (\Lambda + I)/T

with capex :math:`K`, subsidy share *s* and cap, tariff rebate: the share *r*
of the import duty :math:`\tau` (profile ``import_duty``) on the imported share
:math:`m_k`; recognition reward *R*; perceived savings (the firm's belief in
option *k* applies to gains only), expected annual penalty :math:`\Pi` at
compliance level *L*, and buyer value from export share *x* and revenue *Y*.
The payback *P* the firm tests against its horizon counts the months until
its own outlay :math:`E = C - \Lambda` (what a loan :math:`\Lambda` with
interest *I* over *T* months does not cover), weighed :math:`\omega`
(``behaviour.upfront_weight``) times, is back from the savings net of
repayments: without a loan it is simple payback :math:`12\,\omega C/B`.
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
    subsidy = min(p.capex_subsidy_share * gross, p.capex_subsidy_cap)
    rebate = min(p.tariff_rebate_share * p.import_duty * opts.imported_share[k] * gross, gross - subsidy)
    reward = min(p.recognition_reward, max(0.0, gross - subsidy - rebate))
    return subsidy, rebate, reward


@njit(cache=True, inline="always")
def net_cost(f, k: int, opts: Options, p: Params) -> tuple:
    """(net capex to the firm, subsidy, tariff rebate, reward) of option k: the capex less its public support."""
    gross = capex(f, k, opts)
    subsidy, rebate, reward = public_support(gross, k, opts, p)
    return max(0.0, gross - subsidy - rebate - reward), subsidy, rebate, reward


@njit(cache=True, inline="always")
def option_income(f, k: int, opts: Options) -> float:
    """What option k earns the firm a month (its savings net of running costs; negative for treatment)."""
    return opts.savings_per_m3[k] * f.water_use / 12.0


@njit(cache=True, inline="always")
def level_of(bits: int, f, opts: Options) -> int:
    """Highest compliance level among the options in bit set ``bits``, or its common plant's."""
    level = f.plant_level
    for k in range(len(opts.compliance_level)):
        if (bits >> k) & 1 == 1 and opts.compliance_level[k] > level:
            level = opts.compliance_level[k]
    return level


@njit(cache=True, inline="always")
def compliance_level(f, opts: Options) -> int:
    """Highest compliance level among the firm's adopted options (or its running common plant)."""
    return level_of(f.adopted, f, opts)


@njit(cache=True, inline="always")
def load_share(bits: int, opts: Options) -> float:
    """Share of the firm's untreated load still discharged with the options in ``bits`` running."""
    remaining = 1.0
    for k in range(len(opts.pollution_removed)):
        if (bits >> k) & 1 == 1:
            remaining *= 1.0 - opts.pollution_removed[k]
    return remaining


@njit(cache=True, inline="always")
def committee_penalty(f, bits: int, opts: Options, p: Params) -> float:
    """Expected committee penalties per year for a connected member sending load ``load_share(bits)``."""
    if not f.connected or p.common_plant_committee_penalty <= 0.0:
        return 0.0
    if load_share(bits, opts) <= p.inlet_max_load:
        return 0.0
    return 12.0 * p.common_plant_committee_monitoring * p.common_plant_committee_penalty


@njit(cache=True, inline="always")
def credit_of(bits: int, opts: Options) -> float:
    """Highest buyer credit among the options in ``bits``."""
    credit = 0.0
    for k in range(len(opts.buyer_credit)):
        if (bits >> k) & 1 == 1 and opts.buyer_credit[k] > credit:
            credit = opts.buyer_credit[k]
    return credit


@njit(cache=True, inline="always")
def buyer_credit(f, opts: Options) -> float:
    """Highest buyer credit among the firm's adopted options."""
    credit = 0.0
    for k in range(len(opts.buyer_credit)):
        if has(f, k) and opts.buyer_credit[k] > credit:
            credit = opts.buyer_credit[k]
    return credit


@njit(cache=True, inline="always")
def mandate_credence(month: int, p: Params) -> float:
    """Probability firms put on the mandate standing: 1 - legal uncertainty, and 1 once closures have begun."""
    return 1.0 if month >= p.exit_month else 1.0 - p.mandate_legal_uncertainty


@njit(cache=True, inline="always")
def expected_penalty(level: int, month: int, horizon: float, p: Params) -> float:
    """Expected penalties per year for a firm at compliance ``level``.

    Below the discharge standard (level 1) the baseline regime applies. A
    mandate counts once its deadline is within the firm's horizon, discounted
    by the probability firms put on it being struck down (legal uncertainty),
    until closures begin (:func:`mandate_credence`).
    """
    per_year = 12.0 * p.inspection_rate
    penalty = 0.0
    if level < 1:
        penalty += per_year * p.penalty
    if p.mandate_level > 0 and level < p.mandate_level and p.mandate_deadline_month - month <= horizon:
        penalty += per_year * p.mandate_penalty * mandate_credence(month, p)
    return penalty


@njit(cache=True, inline="always")
def exit_threat(f, level: int, month: int, p: Params) -> float:
    """Profit per year a firm stands to lose by closure when the mandate is enforced by exit.

    Counts, like the mandate penalty, once the exit month is within the
    firm's horizon, discounted by the legal uncertainty until closures begin.
    """
    if p.mandate_level <= 0 or level >= p.mandate_level or p.exit_month - month > f.horizon:
        return 0.0
    return f.margin * f.revenue * mandate_credence(month, p)


@njit(cache=True, inline="always")
def annual_benefit(f, k: int, month: int, opts: Options, p: Params, water_cost: float) -> float:
    """Perceived yearly value of option k to firm ``f``: savings + penalties avoided + buyer value.

    With the shared-resource feedback on, each m3 saved is also worth the
    extra supply cost ``water_cost`` of the drawn-down resource; connected
    members also avoid committee penalties.
    """
    savings = opts.savings_per_m3[k] * f.water_use
    if p.water_feedback:
        savings += opts.water_saving[k] * f.water_use * water_cost
    if savings > 0.0:
        savings *= f.belief[k]
    if f.connected:
        savings += committee_penalty(f, f.adopted, opts, p) - committee_penalty(f, f.adopted | (1 << k), opts, p)
    level = compliance_level(f, opts)
    new_level = max(level, opts.compliance_level[k])
    avoided = expected_penalty(level, month, f.horizon, p) - expected_penalty(new_level, month, f.horizon, p)
    avoided += exit_threat(f, level, month, p) - exit_threat(f, new_level, month, p)
    gain = opts.buyer_credit[k] - buyer_credit(f, opts)
    buyer = 0.0
    if gain > 0.0:
        buyer = p.buyer_platform_engaged_share * p.buyer_platform_pressure * f.export_share * f.revenue * gain
    return savings + avoided + buyer


@njit(cache=True, inline="always")
def cash_payback(own: float, repaid: float, term: float, benefit: float, weight: float) -> float:
    """Months until the firm has its own money back: the weighed own outlay recovered from the option's savings
    net of the loan's repayments.

    The firm pays ``own`` now, weighed ``weight`` times (upfront cost weighs more than equal savings), and repays
    ``repaid`` (loan plus interest) in equal parts over ``term`` months out of ``benefit`` a year. While savings
    exceed repayments it recovers ``weight * own`` at their difference; otherwise, and after the term, at the full
    savings. Without a loan this is simple payback of ``weight * own``; when repayments eat all the savings it is
    simple payback of ``weight * own + repaid``: finance shortens the payback only when it is repaid from the
    savings it earns.
    """
    if benefit <= 0.0:
        return math.inf
    monthly = benefit / 12.0
    during = monthly - repaid / term if repaid > 0.0 else monthly
    target = weight * own
    if during > 0.0 and target <= during * term:
        return target / during
    return term + (target - during * term) / monthly


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
