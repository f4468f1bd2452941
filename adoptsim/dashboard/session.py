"""One browser session of the workshop page: the cluster, the levers as shown, the run, and play.

The page (:mod:`.app`) only draws this state and forwards clicks to it, so what
the buttons do is plain Python that the tests drive without a browser:

* choosing a cluster stops play and puts every lever back to that cluster's
  defaults, with a fresh run of them (the text and the levers never disagree);
* moving a lever stops play; the run on screen keeps the levers it was started
  with (the page says so) and the next ▶, STEP or START AGAIN starts a fresh
  run with the levers as set;
* a finished run leaves ▶ and STEP usable: they start the levers' run again
  from month 0.

Play runs in a worker thread (:meth:`advance`); a lock keeps a click and a
month from interleaving.
"""

from __future__ import annotations

import threading
from typing import Any

from ..profiles import load_profile
from .controls import BY_KEY, clamp, defaults
from .model import DEFAULT_CLUSTER, DashboardModel, base_scenario


class Session:
    """The page's state; every method is one click (or one month of play)."""

    def __init__(self, cluster: str = DEFAULT_CLUSTER) -> None:
        self._lock = threading.RLock()
        self.playing = False
        self.play_id = 0  # which press of ▶ the playing thread serves (an old thread stops)
        self.choose(cluster)

    # ---------------------------------------------------------------- clicks

    def choose(self, cluster: str) -> None:
        """Switch cluster: stop, levers to the cluster's defaults, a fresh run of them."""
        with self._lock:
            self.playing = False
            self.cluster = cluster
            self.profile = load_profile(base_scenario(cluster).cluster)
            self.levers: dict[str, Any] = defaults(self.profile, base_scenario(cluster))
            self.model = DashboardModel(cluster, **self.levers)

    def set_lever(self, key: str, value: Any) -> None:
        """Move one lever (as the page shows it); stops play. An unknown key is ignored."""
        if key not in BY_KEY or self.levers.get(key) == value:
            return  # a widget echoing the value it was given is no move
        with self._lock:
            self.playing = False
            self.levers = {**self.levers, key: value}

    def restart(self) -> None:
        """START AGAIN: a fresh run at month 0 with the levers as set."""
        with self._lock:
            self.playing = False
            self.model = DashboardModel(self.cluster, **self.levers)

    def step(self) -> None:
        """STEP: one month (of a fresh run if the levers moved or the run is over)."""
        with self._lock:
            self.playing = False
            self._fresh_if_needed()
            self.model.step()

    def play(self) -> None:
        """▶: play (a fresh run if the levers moved or the run is over)."""
        with self._lock:
            self._fresh_if_needed()
            self.playing = True
            self.play_id += 1

    def pause(self) -> None:
        with self._lock:
            self.playing = False

    def toggle(self) -> None:
        """The play/pause button."""
        self.pause() if self.playing else self.play()

    # ---------------------------------------------------------------- play

    def advance(self, play_id: int | None = None) -> bool:
        """One month of play; False (and play stops) once paused, at the horizon, or ``play_id`` is stale."""
        with self._lock:
            if play_id is not None and play_id != self.play_id:
                return False
            if not self.playing or self.finished:
                self.playing = False
                return False
            self.model.step()
            if self.finished:
                self.playing = False
            return True

    # ---------------------------------------------------------------- state

    @property
    def finished(self) -> bool:
        return self.model.month >= self.model.config.months

    @property
    def pending(self) -> bool:
        """The levers were moved since the run on screen started."""
        return clamp(self.levers, self.profile, base_scenario(self.cluster)) != self.model.shown

    def _fresh_if_needed(self) -> None:
        if self.pending or self.finished:
            self.model = DashboardModel(self.cluster, **self.levers)
