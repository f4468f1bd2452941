"""Units handed to workers in chunks sized by work (firm-months), not by count.

Spawning, pickling and the round trip to a worker cost the same for a unit of
40 firms x 12 months as for 5,000 x 240: tiny units are batched up to a
firm-month budget so that overhead is paid once per chunk, while a unit at or
above the budget travels alone. A chunk's units are written as soon as the
chunk returns, so a kill loses at most the chunks in flight and a resume
redoes only those. Chunks never change what a unit computes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: Firm-months per chunk (n_firms x months x replicates): about a second of kernel time.
CHUNK_FIRM_MONTHS = 5_000_000
#: Chunks per worker at least (while units allow), so the last ones do not leave workers idle.
CHUNKS_PER_WORKER = 4
#: Below this many firm-months in all (~2-3 s of kernel) a sweep runs in this process even when workers are
#: asked for: it is about done before a spawned worker would have started (~3 s to import and load the
#: kernel, longer on a loaded machine, where the start-up also takes CPU from the parent).
SPAWN_FIRM_MONTHS = 20_000_000


def chunk_units(costs: Sequence[int], workers: int, budget: int = CHUNK_FIRM_MONTHS) -> list[list[int]]:
    """Consecutive unit indices grouped so each group's total cost stays within the budget.

    The budget shrinks to ``total / (CHUNKS_PER_WORKER x workers)`` for small sweeps so every worker
    gets work; ``budget <= 0`` gives one unit per chunk.
    """
    if budget > 0:
        budget = min(budget, sum(costs) // (CHUNKS_PER_WORKER * max(workers, 1)))
    chunks: list[list[int]] = []
    load = 0
    for i, cost in enumerate(costs):
        if not chunks or load + cost > budget:
            chunks.append([])
            load = 0
        chunks[-1].append(i)
        load += cost
    return chunks


def run_chunk(work: Callable, tasks: list) -> list:
    """``work`` over each task of one chunk, in order (what a worker runs)."""
    return [work(task) for task in tasks]
