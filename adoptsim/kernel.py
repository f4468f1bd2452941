"""The monthly step over all firms, compiled: loops that call ``rules`` only.

``step_month`` is the whole synchronous month: cluster signals from last
month's state, every firm's decision, vendor allocation, adoptions, then the
outcome row. ``simulate`` runs it for every month. The Mesa path in
``model.py`` runs the same phases with per-agent Python calls.
"""

from __future__ import annotations

from numba import njit

from .rules import adopt, allocate, cluster_signals, firm_month
from .rules.economics import compliance_level
from .state import OUTLAY, PUBLIC, Firms, Options, Params, Series


@njit(cache=True)
def step_month(month: int, firms: Firms, opts: Options, p: Params, cost: tuple, out: Series) -> None:
    """Advance every firm by one month and write outcome row ``month``."""
    sig = cluster_signals(firms, p)
    n = firms.id.shape[0]
    for i in range(n):
        firm_month(i, month, firms, opts, p, sig)
    allocate(firms.intent, firms.priority, firms.id, p.capacity)
    for i in range(n):
        if firms.intent[i] >= 0:
            adopt(i, firms.intent[i], firms, opts, p)
    record(month, firms, opts, p, cost, out)


@njit(cache=True)
def record(month: int, firms: Firms, opts: Options, p: Params, cost: tuple, out: Series) -> None:
    """Write outcome row ``month`` from the state (sums in firm-index order).

    ``cost`` holds the cluster-level public costs per month:
    (per contact, per month fixed, at month 1 only, at month 0 only).
    """
    K = opts.capex_fixed.shape[0]
    required = 1
    if p.mandate_level > 1 and month >= p.mandate_month:
        required = p.mandate_level
    n_contacts = 0
    for i in range(firms.id.shape[0]):
        if firms.contacted[i]:
            n_contacts += 1
        if firms.aware[i]:
            out.aware[month] += 1
        any_adopted = False
        remaining_water = 1.0
        remaining_load = 1.0
        w = firms.water_use[i]
        for k in range(K):
            if firms.adopted[i, k]:
                any_adopted = True
                out.by_option[month, k] += 1
                remaining_water *= 1.0 - opts.water_saving[k]
                remaining_load *= 1.0 - opts.pollution_removed[k]
                out.chemicals[month] += opts.chemicals_per_m3[k] * w / 1000.0
                out.energy[month] += opts.energy_per_m3[k] * w / 1000.0
                out.savings[month] += opts.savings_per_m3[k] * w
        out.water_saved[month] += (1.0 - remaining_water) * w
        out.pollution_load[month] += remaining_load * w
        if any_adopted:
            out.adopters[month] += 1
            out.by_sector[month, firms.sector[i]] += 1
            out.by_size[month, firms.size[i]] += 1
            out.by_member[month, 1 if firms.member[i] else 0] += 1
        if compliance_level(i, firms, opts) >= required:
            out.compliant[month] += 1
        if firms.intent[i] >= 0:
            out.installs[month] += 1
            for c in range(len(OUTLAY) - 1):
                out.public_cost[month, c] += firms.outlay[i, c]
            out.private_investment[month] += firms.outlay[i, len(OUTLAY) - 1]
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
def simulate(firms: Firms, opts: Options, p: Params, cost: tuple, out: Series) -> None:
    """Run months 1..p.months (row 0 must already be recorded)."""
    for month in range(1, p.months + 1):
        step_month(month, firms, opts, p, cost, out)


assert PUBLIC[5] == "outreach" and PUBLIC[6] == "demonstration" and PUBLIC[7] == "inspection"
assert PUBLIC[8] == "vendors" and PUBLIC[9] == "buyer_platform" and PUBLIC[10] == "scheme_promotion"
