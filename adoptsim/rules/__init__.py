r"""The decision rules: the one place where firm behaviour is written.

Each rule is a small ``@njit`` function. The Numba kernel (``kernel.py``)
calls them in loops over all firms; the Mesa path (``agents.py``) runs
:func:`firm_month` and :func:`adopt` for one firm at a time as plain Python
(``.py_func``), which calls the same compiled leaf rules. Both read and write
only the acting firm's row, plus cluster :class:`~adoptsim.state.Signals`
computed before any firm moves, so the order in which firms act is
irrelevant and the two engines agree exactly.

Monthly sequence for firm *i* (equations in ``docs/ODD.md``, Submodels):

1. its cash book (``cashbook.py``): margin, running costs, debt service,
   realised penalties, drawings; defaults and insolvency;
2. under a mandate past its deadline and short of it, its survival choice
   (``survival.py``): stay, comply alone, join a common plant, park, move
   out or close, by value over its own horizon;
3. outreach contact (:math:`C_i`) and demo-day visit (:math:`V_i`);
4. an unaware firm becomes aware with probability
   :math:`1 - e^{-(p + q\,\phi_i + q_a m_i A_m)}` (or when contacted or visiting), with
   peer signal :math:`\phi_i = (1-w) A + w A_{\ell(i)}`;
5. its belief in each option *k*, :math:`b_k \leftarrow 1 - (1-b_k)\,e^{-g_k}`, then lowered by
   drop-outs (``decision.learn``);
6. with probability *attention* (or prompted by a costed contact or a visit; a fine prompts
   the options that raise its compliance) it evaluates every open option *k*:
   payback :math:`P_{ik} = 12\,C_{ik} / B_{ik}` months, accepted with
   probability :math:`1/(1 + e^{(P_{ik} - h_i)/(\sigma h_i)})` if financing is
   feasible (within its credit limit) and the option is not blocked; it asks a vendor for the
   accepted option with the shortest payback.
"""

from .capacity import allocate, allot_plots
from .collective import bodies_active, exits_possible, leave, plant_month, tally
from .decision import adopt, firm_month
from .signals import cluster_signals

__all__ = ["adopt", "allocate", "allot_plots", "bodies_active", "cluster_signals", "exits_possible", "firm_month", "leave",
           "plant_month", "tally"]
