"""The monthly step over all firms, compiled: loops that call ``rules`` only.

``step_month`` is the whole synchronous month: cluster signals from last
month's state, every firm's decision, vendor allocation, adoptions, then the
outcome row. ``simulate`` runs it for every month. The Mesa path in
``model.py`` runs the same phases with per-agent Python calls.
"""

from __future__ import annotations

from numba import njit

from .rules import adopt, allocate, cluster_signals, firm_month
from .rules.economics import compliance_level, has
from .state import PUBLIC, Options, Params, Series


@njit(cache=True)
def step_month(month: int, firms, opts: Options, p: Params, cost: tuple, out: Series) -> None:
    """Advance every firm by one month and write outcome row ``month``."""
    sig = cluster_signals(firms, p)
    n = firms.shape[0]
    for i in range(n):
        firm_month(firms[i], month, opts, p, sig)
    allocate(firms, p.capacity)
    for i in range(n):
        f = firms[i]
        if f.intent >= 0:
            adopt(f, f.intent, opts, p)
    record(month, firms, opts, p, cost, out)


@njit(cache=True)
def record(month: int, firms, opts: Options, p: Params, cost: tuple, out: Series) -> None:
    """Write outcome row ``month`` from the state (sums in firm-index order).

    ``cost`` holds the cluster-level public costs per month:
    (per outreach contact, inspections per month, vendor support per month,
    buyer platform per month, scheme promotion at month 1, pilots at month 0).
    """
    K = len(opts.capex_fixed)
    required = 1
    if p.mandate_level > 1 and month >= p.mandate_month:
        required = p.mandate_level
    n_contacts = 0
    for i in range(firms.shape[0]):
        f = firms[i]
        if f.contacted:
            n_contacts += 1
        if f.aware:
            out.aware[month] += 1
        remaining_water = 1.0
        remaining_load = 1.0
        w = f.water_use
        for k in range(K):
            if has(f, k):
                out.by_option[month, k] += 1
                remaining_water *= 1.0 - opts.water_saving[k]
                remaining_load *= 1.0 - opts.pollution_removed[k]
                out.chemicals[month] += opts.chemicals_per_m3[k] * w / 1000.0
                out.energy[month] += opts.energy_per_m3[k] * w / 1000.0
                out.savings[month] += opts.savings_per_m3[k] * w
        out.water_saved[month] += (1.0 - remaining_water) * w
        out.pollution_load[month] += remaining_load * w
        if f.reached:
            out.reached[month] += 1
            if f.adopted != 0:
                out.adopters_reached[month] += 1
        if f.adopted != 0:
            out.adopters[month] += 1
            out.by_sector[month, f.sector] += 1
            out.by_size[month, f.size_class] += 1
            out.by_member[month, 1 if f.member else 0] += 1
        if compliance_level(f, opts) >= required:
            out.compliant[month] += 1
        if f.intent >= 0:
            out.installs[month] += 1
            out.public_cost[month, 0] += f.paid_subsidy
            out.public_cost[month, 1] += f.paid_rebate
            out.public_cost[month, 2] += f.paid_reward
            out.public_cost[month, 3] += f.paid_rate
            out.public_cost[month, 4] += f.paid_guarantee
            out.private_investment[month] += f.invested
    out.contacts[month] = n_contacts
    per_contact, monthly_inspection, monthly_vendors, monthly_platform, first_month, initial = cost
    out.public_cost[month, 5] += n_contacts * per_contact
    if month >= 1:
        out.public_cost[month, 7] += monthly_inspection
        out.public_cost[month, 8] += monthly_vendors
        out.public_cost[month, 9] += monthly_platform
    if month == 1:
        out.public_cost[month, 10] += first_month
    if month == 0:
        out.public_cost[month, 6] += initial


@njit(cache=True)
def simulate(firms, opts: Options, p: Params, cost: tuple, out: Series) -> None:
    """Run months 1..p.months (row 0 must already be recorded)."""
    for month in range(1, p.months + 1):
        step_month(month, firms, opts, p, cost, out)


assert PUBLIC[:5] == ("subsidy", "tariff_rebate", "recognition", "rate_subsidy", "guarantee")
assert PUBLIC[5] == "outreach" and PUBLIC[6] == "demonstration" and PUBLIC[7] == "inspection"
assert PUBLIC[8] == "vendors" and PUBLIC[9] == "buyer_platform" and PUBLIC[10] == "scheme_promotion"
