"""Where a month's time goes: nanoseconds per firm-month of each phase, and of the firm rules inside ``decide``.

Run on demand (not a test):  .venv/bin/python benchmarks/steps.py [--firms 20000] [--repeat 3]

The benchmark scenario of ``benchmarks/engines.py`` (every rule exercised).
Phases: the run's months with each phase of :data:`~adoptsim.rules.schedule.PHASES`
called on its own from Python (best of ``--repeat`` runs per phase). Firm
rules: each leaf rule of ``firm_month`` looped over every firm of a copy of
the month-60 state, on its own, so a rule's figure includes the memory
traffic of the fields it touches (the in-run cost can be lower, the fields
already being in cache).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from numba import njit

from adoptsim import AdoptionModel
from adoptsim import rng
from adoptsim.record import record
from adoptsim.rules.cashbook import month_book, open_book
from adoptsim.rules.collective import operate
from adoptsim.rules.decision import adopt, choose_option, firm_month, home_of, learn
from adoptsim.rules.schedule import month_signals, vendor_queue
from adoptsim.scenario import with_overrides
from adoptsim.state import new_work

from engines import LEVERS, default_scenario


@njit
def _decide(month, firms, bodies, opts, p, sig, local, requests):
    """The decide loop of ``step_month``: every firm's month, listing the vendor requests."""
    n_req = 0
    for i in range(firms.shape[0]):
        f = firms[i]
        firm_month(f, month, opts, p, sig, local[f.locality], bodies[home_of(f, bodies.shape[0])])
        if f.intent >= 0:
            requests[n_req] = i
            n_req += 1
    return n_req


@njit
def _install(firms, opts, p, requests):
    for j in range(requests.shape[0]):
        f = firms[requests[j]]
        if f.intent >= 0:
            adopt(f, f.intent, opts, p)


@njit
def _open_book(firms):
    for i in range(firms.shape[0]):
        open_book(firms[i])


@njit
def _operate(firms, month, opts, p, water_cost):
    for i in range(firms.shape[0]):
        if firms[i].status == 0:
            operate(firms[i], month, opts, p, water_cost)


@njit
def _month_book(firms, month, opts, p, water_cost):
    for i in range(firms.shape[0]):
        f = firms[i]
        if f.status == 0:
            month_book(f, rng.stream(p.seed, f.id, month), month, opts, p, water_cost, False)


@njit
def _stream(firms, month, p):
    acc = 0
    for i in range(firms.shape[0]):
        acc ^= rng.stream(p.seed, firms[i].id, month)
    return acc


@njit
def _choose_option(firms, month, opts, p, sig):
    for i in range(firms.shape[0]):
        f = firms[i]
        if f.aware and f.status == 0:
            choose_option(f, rng.stream(p.seed, f.id, month), month, opts, p, sig, False)


@njit
def _learn(firms, sig, local, opts, p):
    for i in range(firms.shape[0]):
        f = firms[i]
        if f.aware:
            learn(f, sig, local[f.locality], opts, p, False, False)


def phases(s, repeat):
    """ns per firm-month of each phase over a whole run (best of ``repeat``)."""
    best = {}
    for _ in range(repeat):
        m = AdoptionModel(s)
        firms, bodies, opts, p, cost, out = m.firms, m.bodies, m.options, m.params, m._cost, m.series
        work = new_work(firms.shape[0], p.n_localities)  # as kernel.simulate: record takes the next census
        t = dict.fromkeys(("signals", "decide", "vendor queue", "install", "record"), 0.0)
        for month in range(1, p.months + 1):
            t0 = time.perf_counter()
            sig, local = month_signals(month, firms, bodies, opts, p, cost, out, work)
            t1 = time.perf_counter()
            work.n_requests[0] = _decide(month, firms, bodies, opts, p, sig, local, work.requests)
            t2 = time.perf_counter()
            vendor_queue(month, firms, bodies, opts, p, cost, out, work)
            t3 = time.perf_counter()
            _install(firms, opts, p, work.requests[:work.n_requests[0]])
            t4 = time.perf_counter()
            record(month, firms, bodies, opts, p, cost, out, work)
            t5 = time.perf_counter()
            for name, dt in zip(t, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
                t[name] += dt
        for name, dt in t.items():
            best[name] = min(best.get(name, np.inf), dt)
    n = s.n_firms * s.months
    return {name: 1e9 * dt / n for name, dt in best.items()}


def rules(s, repeat, at=60):
    """ns per firm of each firm rule looped alone over a copy of the month-``at`` state."""
    m = AdoptionModel(with_overrides(s, months=at))
    m.run()
    opts, p, out = m.options, m.params, m.series
    sig, local = month_signals(at, m.firms, m.bodies, opts, p, m._cost, out)
    cases = {
        "stream (key hash)": lambda f: _stream(f, at, p),
        "open_book": lambda f: _open_book(f),
        "operate": lambda f: _operate(f, at, opts, p, sig.water_cost),
        "month_book": lambda f: _month_book(f, at, opts, p, sig.water_cost),
        "learn": lambda f: _learn(f, sig, local, opts, p),
        "choose_option (aware)": lambda f: _choose_option(f, at, opts, p, sig),
        "firm_month (whole)": lambda f: _decide(at, f, m.bodies, opts, p, sig, local, np.empty(f.shape[0], np.int64)),
    }
    res = {}
    for name, fn in cases.items():
        fn(m.firms.copy())  # compile
        best = np.inf
        for _ in range(repeat):
            f = m.firms.copy()
            t0 = time.perf_counter()
            fn(f)
            best = min(best, time.perf_counter() - t0)
        res[name] = 1e9 * best / len(m.firms)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    s = with_overrides(default_scenario(), **LEVERS, n_firms=args.firms)
    AdoptionModel(with_overrides(s, n_firms=100, months=3)).run()  # compile
    ph = phases(with_overrides(s, n_firms=100, months=3), 1)  # compile the phase loops
    ph = phases(s, args.repeat)
    print(f"{'phase':<20} {'ns/firm-month':>14}")
    for name, ns in ph.items():
        print(f"{name:<20} {ns:>14.1f}")
    print(f"{'total':<20} {sum(ph.values()):>14.1f}")
    print(f"\n{'firm rule (alone)':<20} {'ns/firm':>14}")
    m = AdoptionModel(with_overrides(s, months=60))
    m.run()
    print(f"(month 60: aware {m.firms.aware.mean():.2f}, adopters {(m.firms.adopted != 0).mean():.2f}, "
          f"with loans {(m.firms.service > 0).mean():.2f}, attention {m.params.attention})")
    for name, ns in rules(s, args.repeat).items():
        print(f"{name:<20} {ns:>14.1f}")


if __name__ == "__main__":
    main()
