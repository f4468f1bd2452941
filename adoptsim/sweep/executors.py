"""Where units of work run: this process, local worker processes, or a Dask cluster.

Each executor maps a function over tasks and yields ``(task_index, result)``
as results arrive, in whatever order they finish.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait


def in_process(fn: Callable, tasks: list) -> Iterator[tuple[int, object]]:
    for i, task in enumerate(tasks):
        yield i, fn(task)


def local_processes(fn: Callable, tasks: list, workers: int) -> Iterator[tuple[int, object]]:
    """A pool of ``workers`` fresh (spawned) processes; at most 2 tasks queued per worker."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending = {}
        queue = iter(enumerate(tasks))
        try:
            for i, task in queue:
                pending[pool.submit(fn, task)] = i
                if len(pending) >= 2 * workers:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = pending.pop(fut)
                    yield i, fut.result()
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending[pool.submit(fn, nxt[1])] = nxt[0]
        finally:
            for fut in pending:
                fut.cancel()


def dask_cluster(fn: Callable, tasks: list, address: str, workers: int) -> Iterator[tuple[int, object]]:
    """An existing Dask distributed scheduler (``tcp://host:port``) or ``local`` to start one."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as err:  # optional dependency
        raise RuntimeError("Dask support needs the 'dask' extra: pip install 'adoptsim[dask]'") from err
    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        futures = {client.submit(fn, task, pure=False): i for i, task in enumerate(tasks)}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
