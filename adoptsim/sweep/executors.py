"""Where units of work run: this process, local worker processes, or a Dask cluster.

Each executor maps a function over tasks and yields ``(task_index, result)``
as results arrive, in whatever order they finish. Locally the parent is one of
the workers, and spawned ones warm up (imports, compiled kernel) before they
are given tasks; on Dask a worker plugin warms each worker.

Local workers die with their parent: a killed ``adoptsim sweep`` leaves no
worker behind to burn CPU (on Linux the kernel sends each worker SIGKILL
when the parent dies, ``PR_SET_PDEATHSIG``; everywhere a daemon thread in
each worker also exits it once its parent is gone). Multiprocessing's
resource tracker exits by itself once the parent and the workers are gone.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

DASK_CONNECT_TIMEOUT = 5  # seconds to reach a scheduler before giving up with a clear error
_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc|ws|wss)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::([^/]*))?/?$")


class ExecutorError(RuntimeError):
    """Workers could not be reached or died; the message says what to do."""


def in_process(fn: Callable, tasks: list) -> Iterator[tuple[int, object]]:
    for i, task in enumerate(tasks):
        yield i, fn(task)


def _die_with_parent(parent: int) -> None:
    """Pool initializer: end this worker when process ``parent`` is gone."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="adoptsim-parent-watch", daemon=True).start()


def _start_worker(parent: int, warm: Callable | None) -> None:
    """Pool initializer: die with ``parent``, then warm up (imports, compiled kernel) before any unit."""
    _die_with_parent(parent)
    if warm is not None:
        warm()


def _ready() -> None:
    """A no-op task: it finishes only once some worker has started and warmed up."""


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's processes now (``terminate_workers`` from Python 3.14; before, its process table)."""
    if hasattr(pool, "terminate_workers"):
        pool.terminate_workers()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.terminate()


def local_processes(fn: Callable, tasks: list, workers: int,
                    warm: Callable | None = None) -> Iterator[tuple[int, object]]:
    """This process plus ``workers - 1`` spawned ones (``warm`` run once in each as it starts).

    The parent computes tasks itself between collecting results, so it never idles. A child is given
    tasks (at most 2 queued each, at most its share of those left) only once it is warm: until then the
    parent works through the queue, and a sweep the parent finishes before any child is up stops the
    still-starting children instead of waiting for them.
    """
    children = max(workers - 1, 1)
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=children, mp_context=ctx, initializer=_start_worker,
                               initargs=(os.getpid(), warm))
    queue = list(enumerate(tasks))[::-1]  # next task last
    pending: dict = {}
    starting = {pool.submit(_ready) for _ in range(children)}
    slots = 0  # tasks the warm children may hold
    try:
        while queue or pending:
            for fut in [f for f in starting if f.done()]:
                fut.result()  # raises BrokenProcessPool if the child died starting
                starting.discard(fut)
                slots += 2
            for fut in [f for f in pending if f.done()]:
                i = pending.pop(fut)
                yield i, fut.result()
            # at most 2 queued per warm child, and no more than the children's share of what is left, so the
            # parent does not end up waiting for a unit it could have run itself
            share = (len(queue) + len(pending)) * children // workers
            while queue and len(pending) < min(slots, share):  # submit raises too once the pool is broken
                i, task = queue.pop()
                pending[pool.submit(fn, task)] = i
            if queue:  # the parent's share
                i, task = queue.pop()
                yield i, fn(task)
            elif pending:
                wait(set(pending) | starting, return_when=FIRST_COMPLETED)
    except BrokenProcessPool:
        raise ExecutorError("a worker process died (killed, or out of memory) before finishing "
                            "its unit; finished units are saved: run the same command again to "
                            "resume") from None
    finally:
        for fut in pending:
            fut.cancel()
        if starting and not pending:  # nothing left for them: stop children still starting up
            _stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def check_address(address: str) -> str:
    """``address`` if it is ``local`` or ``scheme://host[:port]`` with a port 1-65535, else ExecutorError."""
    if address == "local":
        return address
    m = _ADDRESS.match(address)
    if not m:
        raise ExecutorError(f"--dask {address!r}: not a scheduler address (give 'local', or tcp://host:port, "
                            "e.g. tcp://10.0.0.5:8786)")
    port = m.group(3)
    if port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise ExecutorError(f"--dask {address!r}: port {port!r} is not a number from 1 to 65535")
    return address


def dask_connect(address: str, workers: int):
    """``(client, cluster)``: a client of the scheduler at ``address`` (or of a new local cluster)."""
    check_address(address)
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # optional dependency
        raise ExecutorError("Dask support needs the 'dask' extra: pip install 'adoptsim[dask]'") from None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(address, timeout=DASK_CONNECT_TIMEOUT), None
    except (OSError, TimeoutError) as err:
        raise ExecutorError(f"--dask {address}: no Dask scheduler answered within {DASK_CONNECT_TIMEOUT} s "
                            f"({type(err).__name__}); start one (dask scheduler) or check the address") from None


def dask_threads(connection) -> int:
    """Threads across the workers of a :func:`dask_connect` connection (at least 1): how many units run at once."""
    return max(sum(connection[0].nthreads().values()), 1)


def dask_cluster(fn: Callable, tasks: list, address: str, workers: int, connection=None,
                 warm: Callable | None = None) -> Iterator[tuple[int, object]]:
    """An existing Dask distributed scheduler (``tcp://host:port``) or ``local`` to start one.

    ``connection``: a ``(client, cluster)`` pair from :func:`dask_connect`, which the caller closes (if None, one
    is made here and closed at the end). ``warm`` runs once on each worker (a worker plugin) before its tasks.
    """
    from distributed import as_completed

    owned = connection is None
    client, cluster = dask_connect(address, workers) if owned else connection
    try:
        if warm is not None:
            from .dask_warm import PLUGIN_NAME, WarmUp

            client.register_plugin(WarmUp(warm), name=PLUGIN_NAME)
        futures = {client.submit(fn, task, pure=False): i for i, task in enumerate(tasks)}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
    finally:
        if owned:
            client.close()
            if cluster is not None:
                cluster.close()
