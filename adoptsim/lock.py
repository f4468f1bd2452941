"""One writer per results folder: an advisory lock on ``DIR/.lock``.

A sweep, sensitivity or calibration run takes the lock on its output folder
before it touches anything in it, and holds it until it returns. A second
run into the same folder is refused at once, naming the process that holds
it. The lock is ``fcntl.flock`` on an open file, so the operating system
releases it when the holder exits for any reason (return, exception, kill);
a stale ``.lock`` file left behind by a killed run is simply taken over. The
file records the holder (pid, host, command, start time) for the message.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

LOCK = ".lock"


class LockedError(RuntimeError):
    """Another process is writing into the folder; the message names it."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        return (f"pid {info.get('pid')} on {info.get('host')}, started {info.get('started')}: "
                f"{info.get('command')}")
    except (OSError, ValueError):
        return "another process (no readable holder record)"


@contextmanager
def folder_lock(folder: str | Path, what: str = "results folder"):
    """Hold the advisory lock of ``folder`` (created if missing) for the ``with`` block.

    Raises :class:`LockedError` at once if another process holds it.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(20, f"is a file, not a folder (give --out a folder path)", str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; run unprotected
        yield path
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"{folder}: another adoptsim run is writing into this {what} ({_holder(path)}); "
                              "wait for it to finish or stop it, or choose another --out folder") from None
        record = {"pid": os.getpid(), "host": platform.node(), "command": " ".join(sys.argv),
                  "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
        try:
            yield path
        finally:
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
    finally:
        os.close(fd)  # releases the flock
