"""Active power (W) and power factor from the timing of the energy register's steps.

The TIC gives apparent power (VA) every frame but active power only as a
counter that moves in 1 Wh steps. The two are tied by the power factor: over
any stretch of time, the active energy counted is the power factor times the
apparent energy (the time-integral of VA). So, per direction:

* each frame's VA is integrated over the source's time line;
* each *step* of the register (the first confirmed frame showing a new value)
  is a point (apparent energy so far, register value). The register crossed
  that value within one frame interval before, so the point is good to a
  fraction of a watt-hour whatever the power;
* the power factor is the least-squares slope of the register against the
  apparent energy over a window of at least ``WINDOW_S`` seconds (and at least
  ``KEEP_POINTS`` steps): at high load it averages many steps, and the constant
  offset (where between two steps the register started) drops out;
* active power = power factor x the latest VA, so a load that switches on or
  off is followed from the next frame, as VA is;
* a load switching on or off (a jump in VA) may bring another power factor:
  the window restarts, and the factor last fitted at that level of VA (or the
  previous one) stands in until the new load's own steps are many and spread
  enough, or disagree with it;
* when the register stops agreeing with the fitted line, the window restarts
  from where the disagreement began;
* honest decay: with no step for T seconds, less than 1 Wh was used in T
  seconds, so the power shown is never above 1 Wh / T;
* nothing is shown until ``MIN_STEPS`` steps are known, and everything is
  forgotten on a rejected (guarded) value, a gap in the frames, a reconnection,
  a meter change or a mode switch (``reset``).

Pure: no I/O and no clock; times are seconds on the source's time line.
docs/active-power.md explains the method, its resolution and its limits.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

#: The window is never trimmed below this span (seconds) nor below KEEP_POINTS steps.
WINDOW_S = 300.0
KEEP_POINTS = 8
#: Above this many steps the oldest go, whatever their age (9 kW is 2.5 steps a second).
MAX_POINTS = 400
#: Steps needed before anything is shown (two intervals between steps).
MIN_STEPS = 3
#: A register step further than this (Wh) from the power factor's prediction is a new regime.
REGIME_TOLERANCE_WH = 1.5
#: A change of VA this large (VA, and share of the larger value) is a load switching on or off.
JUMP_VA = 50.0
JUMP_SHARE = 0.1
#: Steps a new load needs before its own power factor is used instead of a remembered one,
#: and the precision its fit must reach first (a standing-in factor is typically this close).
SEGMENT_STEPS = 3
PRIOR_SIGMA = 0.05
#: Remembered power factors are kept per band of apparent power, 20 % wide.
_BAND = math.log(1.2)
#: Frames further apart than this (seconds), and than GAP_FRAMES usual frame intervals (a
#: simulated meter running fast sends frames minutes of its time apart), leave the
#: apparent energy unknown: start again.
MAX_GAP_S = 10.0
GAP_FRAMES = 4
_WH = 3600.0  # seconds in an hour: 1 Wh in T seconds is 3600 / T W


@dataclass(frozen=True, slots=True)
class _Step:
    at: float
    vah: float  # apparent energy integrated since the reset, in VAh (or hours without VA)
    wh: int  # register value


@dataclass(frozen=True, slots=True)
class Estimate:
    watts: float
    power_factor: float | None  # None without apparent power


class ActivePower:
    """The estimator for one meter and one direction (drawn or injected)."""

    def __init__(self) -> None:
        self._frame_s: float | None = None  # mean time between frames: the pace outlives a reset
        self.reset()

    def reset(self) -> None:
        self._va_at: float | None = None  # time of the last frame
        self._va: float | None = None  # its apparent power, None if the direction has none
        self._integral = 0.0  # VAh (or h without VA) since the reset
        self._history: deque[tuple[float, float]] = deque(maxlen=16)  # (time, integral) per frame
        self._wh: int | None = None  # last confirmed register value
        self._wh_at = 0.0  # the time of the frame that showed it last
        self._steps: list[_Step] = []
        self._slope: float | None = None  # Wh per VAh (the power factor), or W without VA
        self._intercept = 0.0
        self._uses_va = True
        self._ready = False  # MIN_STEPS steps seen since the reset (a new regime keeps it)
        self._last_step_at = 0.0
        self._segment_steps = MIN_STEPS  # steps since the last load switch
        self._segment_at = -math.inf  # the frame where VA showed the last switch
        self._prior: float | None = None  # power factor used until the new load has its own
        self._bands: dict[int, float] = {}  # power factor last fitted, by band of VA
        self._slope_sigma = math.inf  # the fitted slope's error bound from the steps' dating
        self._pending_switch: tuple[float, float, float] | None = None

    # -- input -----------------------------------------------------------------------

    def frame(self, at: float, va: float | None) -> None:
        """A valid frame read at ``at``, with this direction's apparent power (None if absent)."""
        last = self._va_at
        if last is not None:
            gap = at - last
            pace = self._frame_s
            silence = gap > MAX_GAP_S and pace is not None and gap > GAP_FRAMES * pace
            if gap < 0 or silence or (va is None) != (self._va is None):
                self.reset()  # a clock going back, silence, or VA appearing/vanishing: nothing spans it
                last = None
            else:
                self._frame_s = gap if pace is None else pace + (gap - pace) / 16
        if last is not None:
            if va is None:
                self._integral += (at - last) / _WH  # hours: the slope is then watts
            else:
                self._integral += (self._va + va) / 2 * (at - last) / _WH  # type: ignore[operator]
        previous, self._va_at, self._va = self._va, at, va
        self._uses_va = va is not None
        self._history.append((at, self._integral))
        self._apply_switch()  # one left from the last frame, if no energy came with it
        # Frames minutes apart (a simulated meter running fast) see a different load each
        # time: no switch is told apart there, the fit simply spans them.
        steady_pace = (self._frame_s or 0.0) <= MAX_GAP_S
        if steady_pace and va is not None and previous is not None and _jump(previous, va):
            # Applied after this frame's confirmed energy, which is the previous frame's
            # register (one frame late, for the index guard): that step is the old load's.
            self._pending_switch = (at, previous, va)

    def energy(self, at: float, wh: int) -> None:
        """A register value confirmed by the index guard, read in the frame at ``at``."""
        if self._wh is not None and wh < self._wh:
            self.reset()  # the index guard lets no decrease through; never fit across one
            return
        vah = self._integral_at(at)
        previous = self._wh
        if vah is None:
            self._wh = wh  # read before this estimator's first frame: only a reference
        else:
            self._wh, self._wh_at = wh, at
        if vah is None or previous is None or wh == previous:
            pass  # the first value says nothing of when the register crossed it
        elif at <= self._segment_at:
            self._last_step_at = at  # crossed while the load switched: neither load's alone
        else:
            self._add(_Step(at, vah, wh))
        self._apply_switch()

    # -- output ----------------------------------------------------------------------

    def estimate(self) -> Estimate | None:
        """Active power now (at the last frame), or None while too little is known."""
        if self._slope is None or not self._ready or self._va_at is None:
            return None
        slope = self._slope
        own_too_weak = self._segment_steps < SEGMENT_STEPS or self._slope_sigma > PRIOR_SIGMA / 2
        if self._prior is not None and own_too_weak:
            slope = self._prior  # the new load's own steps are too few, or too close together, yet
        if self._uses_va:
            # Above 1 only the meter's rounding of VA (or a load that changed between two
            # frames far apart) speaks: shown as 1, and the watts never above the VA.
            power_factor: float | None = min(1.0, max(0.0, slope))
            watts = power_factor * (self._va or 0.0)
        else:
            watts, power_factor = max(0.0, self._slope), None
        # The register read the same from its last step (or the last load switch) to its
        # last confirmed frame (one frame behind, for the index guard): less than 1 Wh then.
        since_step = self._wh_at - max(self._last_step_at, self._segment_at)
        if since_step > 0:
            watts = min(watts, _WH / since_step)
        return Estimate(watts, power_factor)

    # -- inside ----------------------------------------------------------------------

    def _integral_at(self, at: float) -> float | None:
        for t, integral in reversed(self._history):
            if t == at:
                return integral
        return None  # a frame we did not see (or forgot): the point cannot be placed

    def _apply_switch(self) -> None:
        if self._pending_switch is not None:
            self._switch(*self._pending_switch)
            self._pending_switch = None

    def _switch(self, at: float, before_va: float, after_va: float) -> None:
        """A load switched on or off: the power factor may change with it.

        The window restarts, and until the new load has SEGMENT_STEPS steps of
        its own, the power factor last fitted at this level of VA (or the old
        one) stands in: the steps of a low load come slowly, and a step dated
        across the switch would carry the old load's energy.
        """
        if self._slope is None or not self._uses_va:
            return
        if self._segment_steps >= MIN_STEPS:
            self._bands[_band(before_va)] = self._slope
        self._prior = self._bands.get(_band(after_va), self._slope)
        self._steps = []
        self._segment_steps = 0
        self._segment_at = at

    def _add(self, step: _Step) -> None:
        steps = self._steps
        self._last_step_at = step.at
        self._segment_steps += 1
        if self._prior is not None and steps:
            # The standing-in power factor no longer explains the new load's steps: drop it.
            predicted = self._prior * (step.vah - steps[0].vah)
            if abs(step.wh - steps[0].wh - predicted) > REGIME_TOLERANCE_WH:
                self._prior = None
        if self._slope is not None and len(steps) >= 2:
            residual = step.wh - (self._intercept + self._slope * step.vah)
            if abs(residual) > REGIME_TOLERANCE_WH:
                self._restart(residual)
        steps.append(step)
        while len(steps) > MAX_POINTS or (
            len(steps) > KEEP_POINTS and steps[-1].at - steps[1].at >= WINDOW_S
        ):
            del steps[0]
        self._ready = self._ready or len(steps) >= MIN_STEPS
        self._fit()

    def _restart(self, residual: float) -> None:
        """A new regime: keep only the steps since the register began to leave the old fit."""
        steps = self._steps
        start = len(steps) - 1
        while start > 0:
            r = steps[start].wh - (self._intercept + self._slope * steps[start].vah)  # type: ignore[operator]
            if r * residual <= 0 or abs(r) < REGIME_TOLERANCE_WH / 3:
                break
            start -= 1
        del steps[:start]

    def _fit(self) -> None:
        steps = self._steps
        n = len(steps)
        if n < 2:
            return  # only after a reset: the slope is None already
        # Centred sums: register values are in the millions of Wh.
        x0, y0 = steps[0].vah, steps[0].wh
        mean_x = sum(s.vah - x0 for s in steps) / n
        mean_y = sum(s.wh - y0 for s in steps) / n
        sxx = sum((s.vah - x0 - mean_x) ** 2 for s in steps)
        sxy = sum((s.vah - x0 - mean_x) * (s.wh - y0 - mean_y) for s in steps)
        if sxx <= 1e-12:
            self._slope = None  # no apparent energy between the steps (VA rounded to 0)
            return
        self._slope = sxy / sxx
        # A step is dated within one frame: its register value is short by up to the energy of
        # a frame interval (at most 1 Wh). Frames and steps beat against each other, so these
        # errors drift together rather than average out: the bound is that error over the span.
        va = self._va or 0.0
        point_wh = min(1.0, abs(self._slope) * va * (self._frame_s or 1.0) / _WH) if self._uses_va else 1.0
        self._slope_sigma = point_wh / (steps[-1].vah - steps[0].vah)
        self._intercept = y0 + mean_y - self._slope * (x0 + mean_x)


class MeterPower:
    """One meter's estimators, by direction (``import``, ``export``), fed frame by frame."""

    def __init__(self) -> None:
        self._estimators: dict[str, ActivePower] = {}

    def reset(self) -> None:
        self._estimators.clear()

    def observe(
        self, direction: str, at: float, va: float | None, confirmed: tuple[float, int] | None, rejected: bool
    ) -> None:
        """A frame at ``at``: the direction's VA, the index guard's last confirmed (time, Wh), and
        whether the guard rejected a value in it (then nothing is computed across it)."""
        estimator = self._estimators.setdefault(direction, ActivePower())
        if rejected:
            estimator.reset()
        estimator.frame(at, va)
        if confirmed is not None and not rejected:
            estimator.energy(*confirmed)

    def estimates(self) -> dict[str, tuple[float, float | None]]:
        """``{direction: (watts, power factor or None)}`` where an estimate exists now."""
        out: dict[str, tuple[float, float | None]] = {}
        for direction, estimator in self._estimators.items():
            estimate = estimator.estimate()
            if estimate is not None:
                out[direction] = (estimate.watts, estimate.power_factor)
        return out


def _jump(before_va: float, after_va: float) -> bool:
    return abs(after_va - before_va) > max(JUMP_VA, JUMP_SHARE * max(before_va, after_va))


def _band(va: float) -> int:
    return int(math.log(max(va, 1.0)) / _BAND)
