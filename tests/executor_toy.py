"""Toy work for tests/test_sweep.py's executor tests, in its own light module so worker processes import little."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

MARKS = "ADOPTSIM_TEST_MARKS"  # folder where warm-ups leave a mark (inherited by spawned workers)


def mark_warm() -> None:
    """A warm-up that records which process ran it."""
    (Path(os.environ[MARKS]) / f"warm-{os.getpid()}").touch()


def never_warm() -> None:
    """A warm-up far longer than any test: a worker running it never gets a unit."""
    time.sleep(120)


def whose(task: int) -> tuple[int, int]:
    """``(task, pid)``; in the parent, first wait (bounded) until a worker is warm, then take a little while,
    so warm workers get some of the tasks."""
    if multiprocessing.parent_process() is None:
        end = time.monotonic() + 120
        while not list(Path(os.environ[MARKS]).glob("warm-*")) and time.monotonic() < end:
            time.sleep(0.02)
        time.sleep(0.3)
    return task, os.getpid()


def quick(task: int) -> tuple[int, int]:
    return task, os.getpid()
