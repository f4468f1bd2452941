"""Counter-based random numbers.

Every random draw in adoptsim is a pure function of ``(seed, firm, month,
purpose)``: a SplitMix64-style hash of the four integers mapped to a float in
[0, 1). No generator state is carried between draws, so results do not depend
on the order in which firms are visited, on how runs are split over workers,
or on which engine (Numba kernel or per-agent Mesa path) makes the draw.

References
----------
Steele, Lea & Flood (2014), "Fast splittable pseudorandom number generators",
OOPSLA (the SplitMix64 finaliser). Salmon et al. (2011), "Parallel random
numbers: as easy as 1, 2, 3" (the counter-based idea).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53

# Purposes: one stream per kind of draw (monthly draws use month >= 1).
AWARE = 1
ATTEND = 2
PRIORITY = 3
OUTREACH = 4
PLEDGE_ATTEND = 5
PLEDGE = 6
EXIT_PRIORITY = 7
VISIT = 8  # visits a demonstration site this month
INSPECT = 9
COMMITTEE = 10  # the park committee samples its inlet
DEFAULT = 11
ADMIT = 12  # place in a common plant's queue of applicants
# 13-15 free for monthly draws
ADOPT = 16  # + option index
# Initial population draws (month 0).
SECTOR = 101
SIZE = 102
WATER = 103
CASH = 104
EXPORT = 105
MEMBER = 106
LOCALITY = 107
BANK = 108
SCHEME = 109
GUARANTEE = 110
HORIZON = 111
DEMO = 112
INSTALLED = 120  # + option index (120..127): installed base at month 0


@njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def stream(seed: int, firm: int, month: int) -> int:
    """The hashed (seed, firm, month) prefix; :func:`draw` finishes a key with a purpose.

    Returned as the int64 with the same bits, so it survives a trip through
    plain Python (the per-agent path) unchanged.
    """
    h = _mix(np.uint64(seed) + _GOLDEN)
    h = _mix(h ^ (np.uint64(firm) + _GOLDEN))
    return np.int64(_mix(h ^ (np.uint64(month) + _GOLDEN)))


@njit(cache=True, inline="always")
def draw(key: int, purpose: int) -> float:
    """Uniform draw in [0, 1) for one purpose within a :func:`stream`."""
    h = _mix(np.uint64(key) ^ (np.uint64(purpose) + _GOLDEN))
    return float(h >> np.uint64(11)) * _TO_UNIT


@njit(cache=True)
def uniform(seed: int, firm: int, month: int, purpose: int) -> float:
    """Uniform draw in [0, 1) for one (seed, firm, month, purpose) key."""
    return draw(stream(seed, firm, month), purpose)


@njit(cache=True)
def uniforms(seed: int, firms: np.ndarray, month: int, purpose: int) -> np.ndarray:
    """Vectorised :func:`uniform` over an array of firm ids."""
    out = np.empty(firms.shape[0], dtype=np.float64)
    for j in range(firms.shape[0]):
        out[j] = uniform(seed, firms[j], month, purpose)
    return out


def seed_from(value: int | str) -> int:
    """Map any user seed (int or text) to a non-negative 63-bit integer."""
    if isinstance(value, str):
        import hashlib

        return int.from_bytes(hashlib.sha256(value.encode()).digest()[:8], "little") >> 1
    if value < 0:
        raise ValueError(f"seed must be non-negative, got {value}")
    return int(value) & 0x7FFFFFFFFFFFFFFF
