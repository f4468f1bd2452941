"""Writing one month's outcome row, in four small parts: firms, bodies, water, cluster costs.

Both engines call :func:`record` at the end of every month (and
``build_world`` for row 0). Each part adds to cells no other part touches,
except integer counts and the ``plant_loan`` ledger entry (firms' defaults on
public plant loans, then the bodies' interest forgone, always in that order);
the
firm part keeps its per-firm sums in local accumulators, in firm-index order,
and writes them back once (the same floats as summing into the array).

Adoption counts are of all initial firms (a firm that adopted and later
closed did adopt); water, load, treatment and compliance only of firms at
their sites; every firm counts in exactly one ``status`` column.
"""

from __future__ import annotations

from numba import njit

from .rules.economics import level_of
from .rules.signals import clear_census, count_firm
from .state import ACTIVE, PAID_AT_ADOPTION, PLANT_BUILT, ClusterCosts, Cost, MonthWork, Options, Params, Series


@njit(cache=True, inline="always")
def has_bit(bits: int, k: int) -> bool:
    return (bits >> k) & 1 == 1


@njit(cache=True)
def required_level(month: int, p: Params) -> int:
    """The compliance level a firm must reach this month (1 = treatment, unless ZLD is in force)."""
    if p.mandate_level > 1 and month >= p.mandate_deadline_month:
        return p.mandate_level
    return 1


@njit(cache=True)
def record_firms(month: int, firms, opts: Options, p: Params, out: Series, work: MonthWork | None = None) -> int:
    """Counts, physical outcomes, private money, the cash book's totals (cash, debt, arrears, defaults, losses,
    penalties) and per-firm public costs; returns this month's contacts. With ``work``, takes the census of the
    month's end state there in the same pass (:func:`~adoptsim.rules.signals.count_firm`)."""
    K = len(opts.capex_fixed)
    if work is not None:
        census = work.census
        clear_census(census)
    required = required_level(month, p)
    n_contacts = 0
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
    acc_paid = out.public_cost[month, :PAID_AT_ADOPTION].copy()  # the ledger entries paid on adoptions
    acc_relocation = out.public_cost[month, Cost.RELOCATION_SUPPORT]
    acc_land = out.public_cost[month, Cost.PARK_LAND]
    acc_status_compliant = out.status[month, 0]
    acc_status_short = out.status[month, 1]
    acc_rate_subsidy = out.public_cost[month, Cost.RATE_SUBSIDY]
    acc_guarantee = out.public_cost[month, Cost.GUARANTEE]
    acc_plant_loss = out.public_cost[month, Cost.PLANT_LOAN]
    acc_lost = out.loan_losses[month].copy()
    acc_cash = out.cash[month]
    acc_debt = out.debt[month]
    acc_penalties = out.penalties[month]
    acc_in_arrears = out.in_arrears[month]
    acc_defaults = out.defaults[month]
    acc_insolvencies = out.insolvencies[month]
    # this month's rows, taken from ``out`` once before the loop (docs/DEVELOPING.md: arrays of a tuple in a loop)
    by_sector, by_size, by_member = out.by_sector[month], out.by_size[month], out.by_member[month]
    by_status, by_option = out.status[month], out.by_option[month]
    for i in range(firms.shape[0]):
        f = firms[i]
        if work is not None:
            count_firm(census[f.locality], f, K)
        if f.contacted:
            n_contacts += 1
        acc_private_investment += f.spent
        acc_relocation += f.paid_relocation
        acc_land += f.paid_land
        acc_rate_subsidy += f.paid_rate_subsidy
        acc_guarantee += f.paid_guarantee
        acc_plant_loss += f.paid_plant_loss
        acc_penalties += f.cf_penalty
        if f.default_month:
            acc_defaults += 1
            for c in range(acc_lost.shape[0]):
                acc_lost[c] += f.lost[c]
        if f.insolvent:
            acc_insolvencies += 1
        if f.aware:
            acc_aware += 1
        if f.reached:
            acc_reached += 1
            if f.adopted != 0:
                acc_adopters_reached += 1
        if f.adopted != 0:  # adoption counts are of all initial firms (a closed adopter did adopt)
            acc_adopters += 1
            by_sector[f.sector] += 1
            by_size[f.size_class] += 1
            by_member[1 if f.member else 0] += 1
        if f.status != ACTIVE:  # its loans were carried away or written off as it left
            by_status[f.status + 1] += 1
            for k in range(K):
                if has_bit(f.adopted, k):
                    by_option[k] += 1
            continue
        acc_cash += f.cash
        if f.cash < 0.0:
            acc_in_arrears += 1
        if f.service > 0.0:  # no service due, no loan outstanding
            for s in range(f.loan.shape[0]):
                acc_debt += f.loan[s]
        remaining_water = 1.0
        remaining_load = 1.0
        w = f.water_use
        treat_installed = False
        treat_running = False
        for k in range(K if f.adopted != 0 else 0):  # a firm runs only what it installed
            if has_bit(f.adopted, k):
                by_option[k] += 1
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
            acc_status_compliant += 1
        else:
            acc_status_short += 1
        if f.intent >= 0:
            acc_installs += 1
            for c in range(PAID_AT_ADOPTION):
                acc_paid[c] += f.paid[c]
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
    out.public_cost[month, :PAID_AT_ADOPTION] = acc_paid
    out.public_cost[month, Cost.RELOCATION_SUPPORT] = acc_relocation
    out.public_cost[month, Cost.PARK_LAND] = acc_land
    out.status[month, 0] = acc_status_compliant
    out.status[month, 1] = acc_status_short
    out.public_cost[month, Cost.RATE_SUBSIDY] = acc_rate_subsidy
    out.public_cost[month, Cost.GUARANTEE] = acc_guarantee
    out.public_cost[month, Cost.PLANT_LOAN] = acc_plant_loss
    out.loan_losses[month] = acc_lost
    out.cash[month] = acc_cash
    out.debt[month] = acc_debt
    out.penalties[month] = acc_penalties
    out.in_arrears[month] = acc_in_arrears
    out.defaults[month] = acc_defaults
    out.insolvencies[month] = acc_insolvencies
    if work is not None:
        work.census_month[0] = month
    return n_contacts


@njit(cache=True)
def record_bodies(month: int, bodies, out: Series) -> None:
    """Plant states, common treatment capacity and use, and the bodies' public costs."""
    for j in range(bodies.shape[0]):
        b = bodies[j]
        out.plants[month, b.state] += 1
        out.public_cost[month, Cost.PLANT_GRANT] += b.paid_grant
        out.public_cost[month, Cost.PLANT_LOAN] += b.paid_loan
        out.public_cost[month, Cost.PLEDGE_ORGANISING] += b.paid_organising
        if b.state == PLANT_BUILT:
            out.installed_common[month] += b.capacity
            if b.operating:
                out.operating_common[month] += b.connected_flow
            else:
                out.idle_units[month] += 1


@njit(cache=True)
def record_water(month: int, p: Params, out: Series) -> None:
    """Drawdown of the shared resource (from this month's abstraction) and its extra supply cost."""
    if month >= 1:
        step = out.drawdown[month - 1] + (out.abstraction[month] - p.recharge) / 12.0
        out.drawdown[month] = max(0.0, step)
    if p.water_feedback and p.storage_per_m > 0.0:
        out.water_cost[month] = p.cost_per_m * out.drawdown[month] / p.storage_per_m


@njit(cache=True)
def record_cluster_costs(month: int, n_contacts: int, cost: ClusterCosts, out: Series) -> None:
    """Public costs of the levers that spend whatever firms decide: contacts, inspections, platform, ..."""
    out.contacts[month] = n_contacts
    out.public_cost[month, Cost.OUTREACH] += n_contacts * cost.per_contact
    if month >= 1:
        out.public_cost[month, Cost.INSPECTION] += cost.inspections_per_month
        out.public_cost[month, Cost.VENDORS] += cost.vendors_per_month
        out.public_cost[month, Cost.BUYER_PLATFORM] += cost.platform_per_month
    if month == 1:
        out.public_cost[month, Cost.SCHEME_PROMOTION] += cost.promotion_at_month_1
    if month == 0:
        out.public_cost[month, Cost.DEMONSTRATION] += cost.pilots_at_month_0


@njit(cache=True)
def record(month: int, firms, bodies, opts: Options, p: Params, cost: ClusterCosts, out: Series,
           work: MonthWork | None = None) -> None:
    """Write outcome row ``month`` from the state at the end of the month (and the census into ``work``)."""
    n_contacts = record_firms(month, firms, opts, p, out, work)
    record_bodies(month, bodies, out)
    record_water(month, p, out)
    record_cluster_costs(month, n_contacts, cost, out)
