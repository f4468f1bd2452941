"""The monthly step over all firms, compiled: loops that call ``rules`` only.

``step_month`` is the whole synchronous month: cluster signals from last
month's state, every firm's decision, park plots and exits, vendor
allocation, adoptions, the collective bodies' month, then the outcome row.
``simulate`` runs it for every month. The Mesa path in ``model.py`` runs the
same phases with per-agent Python calls (firms and bodies are Mesa agents).
"""

from __future__ import annotations

from numba import njit

from .rules import (adopt, allocate, allot_plots, bodies_active, cluster_signals, exits_possible, firm_month, leave,
                    plant_month, tally)
from .rules.economics import level_of
from .state import ACTIVE, PLANT_BUILT, PUBLIC, Options, Params, Series


@njit(cache=True)
def water_cost_before(month: int, out: Series) -> float:
    """Extra supply cost per m3 at the start of ``month`` (from last month's drawdown)."""
    return out.water_cost[month - 1] if month >= 1 else 0.0


@njit(cache=True)
def step_month(month: int, firms, bodies, opts: Options, p: Params, cost: tuple, out: Series) -> None:
    """Advance every firm and body by one month and write outcome row ``month``."""
    sig = cluster_signals(firms, p, water_cost_before(month, out))
    n = firms.shape[0]
    for i in range(n):
        firm_month(firms[i], month, opts, p, sig, bodies)
    if exits_possible(p):
        allot_plots(firms, p.park_slots)
        for i in range(n):
            leave(firms[i], p)
    allocate(firms, p.capacity)
    for i in range(n):
        f = firms[i]
        if f.intent >= 0:
            adopt(f, f.intent, opts, p)
    if bodies_active(p):
        tally(bodies, firms, month, opts, p)
        for j in range(bodies.shape[0]):
            plant_month(bodies[j], month, p)
    record(month, firms, bodies, opts, p, cost, out)


@njit(cache=True)
def record(month: int, firms, bodies, opts: Options, p: Params, cost: tuple, out: Series) -> None:
    """Write outcome row ``month`` from the state (sums in firm-index order).

    ``cost`` holds the cluster-level public costs per month:
    (per outreach contact, inspections per month, vendor support per month,
    buyer platform per month, scheme promotion at month 1, pilots at month 0).
    Adoption counts are of all initial firms (a firm that adopted and later
    closed did adopt); water, load, treatment and compliance only of firms at
    their sites; every firm counts in exactly one ``status`` column.
    """
    K = len(opts.capex_fixed)
    required = 1
    if p.mandate_level > 1 and month >= p.mandate_month:
        required = p.mandate_level
    n_contacts = 0
    # per-firm sums in local accumulators (same order, so the same floats), written back once
    acc_private_investment = out.private_investment[month]
    acc_chemicals = out.chemicals[month]
    acc_energy = out.energy[month]
    acc_savings = out.savings[month]
    acc_installed_own = out.installed_own[month]
    acc_operating_own = out.operating_own[month]
    acc_water_saved = out.water_saved[month]
    acc_pollution_load = out.pollution_load[month]
    acc_demand = out.demand[month]
    acc_abstraction = out.abstraction[month]
    acc_consumed = out.consumed[month]
    acc_discharged = out.discharged[month]
    acc_organic_load = out.organic_load[month]
    acc_chemical_load = out.chemical_load[month]
    acc_aware = out.aware[month]
    acc_reached = out.reached[month]
    acc_adopters_reached = out.adopters_reached[month]
    acc_adopters = out.adopters[month]
    acc_idle_units = out.idle_units[month]
    acc_pledgers = out.pledgers[month]
    acc_connected = out.connected[month]
    acc_compliant = out.compliant[month]
    acc_installs = out.installs[month]
    acc_cost0 = out.public_cost[month, 0]
    acc_cost1 = out.public_cost[month, 1]
    acc_cost2 = out.public_cost[month, 2]
    acc_cost3 = out.public_cost[month, 3]
    acc_cost4 = out.public_cost[month, 4]
    acc_cost14 = out.public_cost[month, 14]
    acc_cost15 = out.public_cost[month, 15]
    acc_status0 = out.status[month, 0]
    acc_status1 = out.status[month, 1]
    for i in range(firms.shape[0]):
        f = firms[i]
        if f.contacted:
            n_contacts += 1
        acc_private_investment += f.spent
        acc_cost14 += f.paid_relocation
        acc_cost15 += f.paid_land
        if f.aware:
            acc_aware += 1
        if f.reached:
            acc_reached += 1
            if f.adopted != 0:
                acc_adopters_reached += 1
        if f.adopted != 0:  # adoption counts are of all initial firms (a closed adopter did adopt)
            acc_adopters += 1
            out.by_sector[month, f.sector] += 1
            out.by_size[month, f.size_class] += 1
            out.by_member[month, 1 if f.member else 0] += 1
        if f.status != ACTIVE:
            out.status[month, f.status + 1] += 1
            for k in range(K):
                if has_bit(f.adopted, k):
                    out.by_option[month, k] += 1
            continue
        remaining_water = 1.0
        remaining_load = 1.0
        w = f.water_use
        treat_installed = False
        treat_running = False
        for k in range(K):
            if has_bit(f.adopted, k):
                out.by_option[month, k] += 1
                if opts.compliance_level[k] >= 1:
                    treat_installed = True
            if has_bit(f.operating, k):
                remaining_water *= 1.0 - opts.water_saving[k]
                remaining_load *= 1.0 - opts.pollution_removed[k]
                acc_chemicals += opts.chemicals_per_m3[k] * w / 1000.0
                acc_energy += opts.energy_per_m3[k] * w / 1000.0
                acc_savings += opts.savings_per_m3[k] * w
                if opts.compliance_level[k] >= 1:
                    treat_running = True
            elif has_bit(f.adopted, k) and opts.compliance_level[k] >= 1:
                acc_idle_units += 1
        if treat_installed:
            acc_installed_own += w
        if treat_running:
            acc_operating_own += w
        acc_water_saved += (1.0 - remaining_water) * w
        acc_pollution_load += remaining_load * (1.0 - f.plant_removed) * w
        # the shared resource: demand = abstraction + saved; abstraction = consumed + discharged
        use = remaining_water * w
        recycled = f.plant_recovered * (1.0 - p.consumption) * use
        acc_water_saved += recycled
        acc_demand += w
        acc_abstraction += use - recycled
        acc_consumed += p.consumption * use
        acc_discharged += (1.0 - p.consumption) * use - recycled
        load = remaining_load * (1.0 - f.plant_removed) * w
        acc_organic_load += load * p.cod_per_m3 / 1000.0
        acc_chemical_load += load * p.chem_per_m3 / 1000.0
        if f.pledged:
            acc_pledgers += 1
        if f.connected:
            acc_connected += 1
        if level_of(f.operating, f, opts) >= required:
            acc_compliant += 1
            acc_status0 += 1
        else:
            acc_status1 += 1
        if f.intent >= 0:
            acc_installs += 1
            acc_cost0 += f.paid_subsidy
            acc_cost1 += f.paid_rebate
            acc_cost2 += f.paid_reward
            acc_cost3 += f.paid_rate
            acc_cost4 += f.paid_guarantee
            acc_private_investment += f.invested
    out.private_investment[month] = acc_private_investment
    out.chemicals[month] = acc_chemicals
    out.energy[month] = acc_energy
    out.savings[month] = acc_savings
    out.installed_own[month] = acc_installed_own
    out.operating_own[month] = acc_operating_own
    out.water_saved[month] = acc_water_saved
    out.pollution_load[month] = acc_pollution_load
    out.demand[month] = acc_demand
    out.abstraction[month] = acc_abstraction
    out.consumed[month] = acc_consumed
    out.discharged[month] = acc_discharged
    out.organic_load[month] = acc_organic_load
    out.chemical_load[month] = acc_chemical_load
    out.aware[month] = acc_aware
    out.reached[month] = acc_reached
    out.adopters_reached[month] = acc_adopters_reached
    out.adopters[month] = acc_adopters
    out.idle_units[month] = acc_idle_units
    out.pledgers[month] = acc_pledgers
    out.connected[month] = acc_connected
    out.compliant[month] = acc_compliant
    out.installs[month] = acc_installs
    out.public_cost[month, 0] = acc_cost0
    out.public_cost[month, 1] = acc_cost1
    out.public_cost[month, 2] = acc_cost2
    out.public_cost[month, 3] = acc_cost3
    out.public_cost[month, 4] = acc_cost4
    out.public_cost[month, 14] = acc_cost14
    out.public_cost[month, 15] = acc_cost15
    out.status[month, 0] = acc_status0
    out.status[month, 1] = acc_status1
    for j in range(bodies.shape[0]):
        b = bodies[j]
        out.plants[month, b.state] += 1
        out.public_cost[month, 11] += b.paid_grant
        out.public_cost[month, 12] += b.paid_loan
        out.public_cost[month, 13] += b.paid_organising
        if b.state == PLANT_BUILT:
            out.installed_common[month] += b.capacity
            if b.operating:
                out.operating_common[month] += b.connected_flow
            else:
                out.idle_units[month] += 1
    if month >= 1:
        step = out.drawdown[month - 1] + (out.abstraction[month] - p.recharge) / 12.0
        out.drawdown[month] = max(0.0, step)
    if p.water_feedback and p.storage_per_m > 0.0:
        out.water_cost[month] = p.cost_per_m * out.drawdown[month] / p.storage_per_m
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


@njit(cache=True, inline="always")
def has_bit(bits: int, k: int) -> bool:
    return (bits >> k) & 1 == 1


@njit(cache=True)
def _simulate(firms, bodies, opts: Options, p: Params, cost: tuple, out: Series, first: int, last: int) -> None:
    for month in range(first, last + 1):
        step_month(month, firms, bodies, opts, p, cost, out)


def simulate(firms, opts: Options, p: Params, cost: tuple, out: Series, bodies=None, first: int = 1,
             last: int | None = None) -> None:
    """Run months ``first``..``last`` (default 1..p.months; row ``first - 1`` must already be recorded).

    ``bodies`` are the collective bodies of :func:`adoptsim.population.build_world`;
    when omitted they are rebuilt from the firms (the same initial state, so only
    valid with ``first = 1``). A run split into consecutive ranges equals one run.
    """
    if bodies is None:
        if first != 1:
            raise ValueError("bodies are needed to continue a run (first > 1)")
        from .population import build_bodies

        bodies = build_bodies(firms, p)
    _simulate(firms, bodies, opts, p, cost, out, first, p.months if last is None else last)


assert PUBLIC[:5] == ("subsidy", "tariff_rebate", "recognition", "rate_subsidy", "guarantee")
assert PUBLIC[5] == "outreach" and PUBLIC[6] == "demonstration" and PUBLIC[7] == "inspection"
assert PUBLIC[8] == "vendors" and PUBLIC[9] == "buyer_platform" and PUBLIC[10] == "scheme_promotion"
assert PUBLIC[11:] == ("plant_grant", "plant_loan", "pledge_organising", "relocation_support", "park_land")
