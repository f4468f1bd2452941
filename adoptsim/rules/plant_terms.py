r"""What joining a common plant costs a firm: its share, its upfront part, its share of the plant's loans.

The body's plant costs :math:`C` at its design flow; a grant :math:`G = gC`,
an interest-free public loan :math:`Z = zC` and a consortium bank loan
:math:`L = \ell C` finance part of it. A firm's share :math:`\omega_i` is by
flow (of the design flow) or equal. It pays upfront
:math:`\omega_i (C - G - Z - L)` plus the connection fee (and the non-member
fee if it is not a member), and takes on :math:`\omega_i (Z + L)` of the
plant's loans, repaid like its own loans (``rules/cashbook.py``). A built
plant takes firms up to its capacity (:func:`has_room`,
:func:`adoptsim.rules.collective.admit`).
"""

from __future__ import annotations

from numba import njit

from ..state import PLANT_BUILT, Params

#: relative slack of the capacity check (flows summed in different orders differ in the last bits)
ROOM_TOLERANCE = 1e-10


@njit(cache=True, inline="always")
def share_of(f, b, p: Params) -> float:
    """The firm's share of its body's plant cost (by flow or equal)."""
    if p.cp_by_flow:
        return f.water_use / b.member_flow if b.member_flow > 0.0 else 0.0
    return 1.0 / b.members if b.members > 0 else 0.0


@njit(cache=True, inline="always")
def fees(f, p: Params) -> float:
    """Connection fee, plus the non-member fee for a firm outside the association."""
    return p.cp_fee + (0.0 if f.member else p.common_plant_non_member_fee)


@njit(cache=True, inline="always")
def plant_terms(f, b, p: Params) -> tuple:
    """(total cost to the firm as it weighs it, upfront part) of joining the body's plant."""
    share = share_of(f, b, p)
    grant = p.common_plant_grant_share * b.capex
    loans = (p.common_plant_interest_free_share + p.common_plant_consortium_share) * b.capex
    consortium = p.common_plant_consortium_share * b.capex
    total = share * (b.capex - grant) + share * consortium * p.bank_rate * p.loan_term / 24.0 + fees(f, p)
    upfront = share * max(0.0, b.capex - grant - loans) + fees(f, p)
    return total, upfront


@njit(cache=True, inline="always")
def plant_loans(f, b, p: Params) -> tuple:
    """(the firm's share of its plant's loans, their blended rate, the public share of them)."""
    share = share_of(f, b, p)
    free = p.common_plant_interest_free_share * b.capex * share
    pooled = p.common_plant_consortium_share * b.capex * share
    total = free + pooled
    if total <= 0.0:
        return 0.0, 0.0, 0.0
    return total, p.bank_rate * pooled / total, free / total


@njit(cache=True, inline="always")
def has_room(f, b) -> bool:
    """Whether the body's plant could take the firm's effluent: always while it is being planned or built
    (its founders are admitted when it is ready), and once built if its capacity not yet committed holds it."""
    return b.state != PLANT_BUILT or b.committed_flow + f.water_use <= b.capacity * (1.0 + ROOM_TOLERANCE)
