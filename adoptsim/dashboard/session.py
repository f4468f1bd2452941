"""One browser session of the workshop page: the cluster, the levers as shown, the run, and play.

The page (:mod:`.app`) only draws this state and forwards clicks to it, so what
the buttons do is plain Python that the tests drive without a browser:

* choosing a cluster stops play and puts every lever back to that cluster's
  defaults, with a fresh run of them (the text and the levers never disagree);
* moving a lever stops play; the run on screen keeps the levers it was started
  with (the page says so) and the next ▶, STEP or START AGAIN starts a fresh
  run with the levers as set;
* a finished run leaves ▶ and STEP usable: they start the levers' run again
  from month 0;
* with the band switched on (:meth:`set_band`), the uncertainty band of the
  levers as set (:mod:`.band`) is computed and drawn behind the run that has
  those levers; moving a lever or switching cluster makes a new band request,
  and a band computed for other settings is never shown.

Play runs in a worker thread (:meth:`advance`); a lock keeps a click and a
month from interleaving. The band is computed in another (:meth:`compute_band`),
outside that lock so play goes on meanwhile: one band at a time, a request
superseded while it waits is skipped, and a result that arrives after its
request was superseded is discarded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..profiles import load_profile
from ..scenario import Scenario
from .band import COMPUTING, Band, ensemble_band
from .controls import BY_KEY, clamp, defaults
from .model import DEFAULT_CLUSTER, DashboardModel, base_scenario, settings_scenario


class Session:
    """The page's state; every method is one click (or one month of play)."""

    def __init__(self, cluster: str = DEFAULT_CLUSTER, *,
                 band_runner: Callable[[Scenario], Band] = ensemble_band) -> None:
        """``band_runner``: scenario -> its band (default :func:`.band.ensemble_band`; tests inject their own)."""
        self._lock = threading.RLock()
        self._computing = threading.Lock()  # one band computation at a time
        self.playing = False
        self.play_id = 0  # which press of ▶ the playing thread serves (an old thread stops)
        self.show_band = False
        self.band_runner = band_runner
        self.band_id = 0  # which band request is current (a result for an older one is discarded)
        self._band: tuple[tuple[str, dict[str, Any]], Band | str] | None = None  # (settings, band or why none)
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
            self.band_id += 1

    def set_lever(self, key: str, value: Any) -> None:
        """Move one lever (as the page shows it); stops play. An unknown key is ignored."""
        if key not in BY_KEY or self.levers.get(key) == value:
            return  # a widget echoing the value it was given is no move
        with self._lock:
            self.playing = False
            self.levers = {**self.levers, key: value}
            self.band_id += 1

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

    def set_band(self, on: bool) -> None:
        """Switch the uncertainty band on or off (play goes on); on, :meth:`compute_band` has work to do."""
        with self._lock:
            if bool(on) != self.show_band:
                self.show_band = bool(on)
                self.band_id += 1

    # ---------------------------------------------------------------- band

    def compute_band(self, band_id: int | None = None) -> bool:
        """Compute the band of the levers as set (the page calls this in a worker thread).

        Returns True when a new band was stored; False (nothing computed) when the band is off,
        already computed (or found impossible) for these settings, or ``band_id`` is not the current request; False too
        when the request was superseded while the band was computed (the result is discarded).
        """
        with self._computing:  # a request superseded while an earlier one ran is skipped here
            with self._lock:
                if not self.show_band or (band_id is not None and band_id != self.band_id) \
                        or self._stored() is not None:
                    return False
                band_id, settings = self.band_id, self._settings()
            try:
                band: Band | str = self.band_runner(settings_scenario(*settings))  # outside the lock: play goes on
            except Exception as err:  # e.g. no posterior in this installation: said on the page, play goes on
                band = f"The band cannot be shown: {err}"
            with self._lock:
                if band_id != self.band_id:
                    return False  # levers, cluster or the toggle changed meanwhile: discarded
                self._band = (settings, band)
                return isinstance(band, Band)

    @property
    def band(self) -> Band | None:
        """The band to draw: on, computed for the levers as set, and those are the run on screen's."""
        with self._lock:
            band = self._stored()
            return band if self.show_band and isinstance(band, Band) and not self.pending else None

    @property
    def band_note(self) -> str:
        """While the band is on and not there for the levers as set: ``Computing the band...``, or why it
        cannot be; else ``""``."""
        with self._lock:
            band = self._stored()
            if not self.show_band or isinstance(band, Band):
                return ""
            return COMPUTING if band is None else band

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

    def _settings(self) -> tuple[str, dict[str, Any]]:
        """The cluster and the levers as set, made safe: what a band is computed for."""
        return self.cluster, clamp(self.levers, self.profile, base_scenario(self.cluster))

    def _stored(self) -> Band | str | None:
        """The band (or why there is none) computed for the settings as they are now; None if not computed."""
        if self._band is None or self._band[0] != self._settings():
            return None
        return self._band[1]

    def _fresh_if_needed(self) -> None:
        if self.pending or self.finished:
            self.model = DashboardModel(self.cluster, **self.levers)
