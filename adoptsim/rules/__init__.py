r"""The decision rules: the one place where firm behaviour is written.

Each rule is a small ``@njit`` function. The Numba kernel (``kernel.py``)
calls them in loops over all firms; the Mesa path (``agents.py``) runs
:func:`firm_month` and :func:`adopt` for one firm at a time as plain Python
(``.py_func``), which calls the same compiled leaf rules. Both read and write
only the acting firm's row, plus cluster :class:`~adoptsim.state.Signals`
computed before any firm moves, so the order in which firms act is
irrelevant and the two engines agree exactly.

Monthly sequence for firm *i* (equations in ``docs/ODD.md``, Submodels):

1. outreach contact (:math:`C_i`) with probability :math:`c_i`;
2. an unaware firm becomes aware with probability
   :math:`1 - e^{-(p + q\,\phi_i + q_a m_i A_m)}` (or when contacted), with
   peer signal :math:`\phi_i = (1-w) A + w A_{\ell(i)}`;
3. belief :math:`b \leftarrow b + (1-b)(1 - e^{-(\lambda_p \phi_i + \lambda_d D_i + \lambda_c C_i)})`,
   with :math:`C_i` = 1 if contacted this month;
4. with probability *attention* it evaluates every open option *k*:
   payback :math:`P_{ik} = 12\,C_{ik} / B_{ik}` months, accepted with
   probability :math:`1/(1 + e^{(P_{ik} - h_i)/(\sigma h_i)})` if financing is
   feasible and the option is not blocked; it asks a vendor for the accepted
   option with the shortest payback.
"""

from .capacity import allocate, allot_plots
from .collective import bodies_active, exits_possible, leave, plant_month, tally
from .decision import adopt, firm_month
from .signals import cluster_signals

__all__ = ["adopt", "allocate", "allot_plots", "bodies_active", "cluster_signals", "exits_possible", "firm_month", "leave",
           "plant_month", "tally"]
