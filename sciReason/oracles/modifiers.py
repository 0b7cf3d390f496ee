"""Score modifiers (raw value -> desirability in [0, 1]) and aggregation of several desirabilities.

The modifiers reproduce GuacaMol's ``score_modifier`` semantics exactly (the PMO objectives are built
from them), but work on plain floats (``math``), which is several times faster than numpy for the
one-molecule-at-a-time use in an optimisation loop. The target language's soft constraints
(``qed>0.8``, ``logp=2..3``) are the same shapes under readable names: :class:`AtLeast`,
:class:`AtMost`, :class:`Between`, :class:`Near`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "AtLeast",
    "AtMost",
    "Between",
    "Chained",
    "Clipped",
    "Gaussian",
    "Identity",
    "Linear",
    "MaxGaussian",
    "MinGaussian",
    "MinMaxGaussian",
    "Modifier",
    "Near",
    "Rescale",
    "SmoothClipped",
    "Thresholded",
    "arithmetic_mean",
    "geometric_mean",
]


class Modifier(Protocol):
    """Maps a raw score to a (usually [0, 1]) desirability."""

    def __call__(self, x: float) -> float: ...


@dataclass(frozen=True)
class Identity:
    """``x`` unchanged (for scores that already lie in [0, 1] and are maximised)."""

    def __call__(self, x: float) -> float:
        return float(x)

    def describe(self) -> str:
        return "x"


@dataclass(frozen=True)
class Linear:
    """``slope * x`` (GuacaMol ``LinearModifier``)."""

    slope: float = 1.0

    def __call__(self, x: float) -> float:
        return self.slope * x


@dataclass(frozen=True)
class Rescale:
    """Linear map of ``[low, high]`` onto [0, 1], clipped; ``low > high`` gives a decreasing map.

    Used for bare terms of bounded oracles, e.g. ``sa`` (1 = easy .. 10 = hard) -> ``Rescale(10, 1)``.
    """

    low: float
    high: float

    def __call__(self, x: float) -> float:
        y = (x - self.low) / (self.high - self.low)
        return min(1.0, max(0.0, y))

    def describe(self) -> str:
        return f"linear {self.low:g}->0 .. {self.high:g}->1"


@dataclass(frozen=True)
class Gaussian:
    """``exp(-0.5 * ((x - mu) / sigma)**2)`` (GuacaMol ``GaussianModifier``)."""

    mu: float
    sigma: float

    def __call__(self, x: float) -> float:
        z = (x - self.mu) / self.sigma
        return math.exp(-0.5 * z * z)

    def describe(self) -> str:
        return f"gaussian(mu={self.mu:g}, sigma={self.sigma:g})"


@dataclass(frozen=True)
class MinMaxGaussian:
    """Half Gaussian (GuacaMol ``MinMaxGaussianModifier``).

    ``minimize=True``: 1 for ``x <= mu``, Gaussian decay above. ``minimize=False``: 1 for ``x >= mu``,
    Gaussian decay below.
    """

    mu: float
    sigma: float
    minimize: bool = False

    def __call__(self, x: float) -> float:
        x = max(x, self.mu) if self.minimize else min(x, self.mu)
        z = (x - self.mu) / self.sigma
        return math.exp(-0.5 * z * z)

    def describe(self) -> str:
        op = "<=" if self.minimize else ">="
        return f"1 if x {op} {self.mu:g}, else gaussian decay (sigma={self.sigma:g})"


def MinGaussian(mu: float, sigma: float) -> MinMaxGaussian:  # noqa: N802 - mirrors GuacaMol's name
    """1 for ``x <= mu``, Gaussian decay above (GuacaMol ``MinGaussianModifier``)."""
    return MinMaxGaussian(mu, sigma, minimize=True)


def MaxGaussian(mu: float, sigma: float) -> MinMaxGaussian:  # noqa: N802 - mirrors GuacaMol's name
    """1 for ``x >= mu``, Gaussian decay below (GuacaMol ``MaxGaussianModifier``)."""
    return MinMaxGaussian(mu, sigma, minimize=False)


@dataclass(frozen=True)
class Clipped:
    """Linear ramp from ``(lower_x, low)`` to ``(upper_x, high)``, clipped to ``[low, high]``.

    GuacaMol ``ClippedScoreModifier``; ``upper_x < lower_x`` gives a decreasing ramp.
    """

    upper_x: float
    lower_x: float = 0.0
    high: float = 1.0
    low: float = 0.0

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"Clipped needs low < high, got low={self.low}, high={self.high}")
        if self.upper_x == self.lower_x:
            raise ValueError("Clipped needs upper_x != lower_x")

    def __call__(self, x: float) -> float:
        slope = (self.high - self.low) / (self.upper_x - self.lower_x)
        y = slope * x + (self.high - slope * self.upper_x)
        return min(self.high, max(self.low, y))

    def describe(self) -> str:
        return f"clipped ramp {self.lower_x:g}->{self.low:g} .. {self.upper_x:g}->{self.high:g}"


@dataclass(frozen=True)
class SmoothClipped:
    """Logistic version of :class:`Clipped` with the same mid-point slope (GuacaMol)."""

    upper_x: float
    lower_x: float = 0.0
    high: float = 1.0
    low: float = 0.0

    def __call__(self, x: float) -> float:
        k = 4.0 / (self.upper_x - self.lower_x)
        mid = (self.upper_x + self.lower_x) / 2
        arg = -k * (x - mid)
        if arg > 700:  # exp overflow: the logistic is at its low plateau
            return self.low
        return self.low + (self.high - self.low) / (1.0 + math.exp(arg))


@dataclass(frozen=True)
class Thresholded:
    """``min(x, threshold) / threshold`` (GuacaMol ``ThresholdedLinearModifier``)."""

    threshold: float

    def __call__(self, x: float) -> float:
        return min(x, self.threshold) / self.threshold


@dataclass(frozen=True)
class Chained:
    """Apply several modifiers in order (the last one gives the final score)."""

    modifiers: tuple[Modifier, ...]

    def __call__(self, x: float) -> float:
        for m in self.modifiers:
            x = m(x)
        return x


# --- the target language's soft constraints -------------------------------------------------------


@dataclass(frozen=True)
class AtLeast:
    """``x > threshold``: 1 at or above it, Gaussian decay of width ``scale`` below (soft, so an
    optimiser sees progress before the constraint is met).

    ``beyond=True`` ("as high as possible", the target language's ``>``): among candidates whose values tie,
    the one further past the threshold ranks first (:meth:`margin`, the secondary ranking key).
    ``beyond=False`` ("at least", ``>=``): meeting the threshold is enough; the margin is always 0.
    """

    threshold: float
    scale: float
    beyond: bool = True

    def __call__(self, x: float) -> float:
        if x >= self.threshold:
            return 1.0
        z = (x - self.threshold) / self.scale
        return math.exp(-0.5 * z * z)

    def margin(self, x: float) -> float:
        """Signed distance past the threshold in units of ``scale`` (0 when ``beyond`` is off)."""
        return (x - self.threshold) / self.scale if self.beyond else 0.0

    def describe(self) -> str:
        more = "; higher breaks ties" if self.beyond else ""
        return f"1 if x >= {self.threshold:g}, else gaussian decay (scale {self.scale:g}){more}"


@dataclass(frozen=True)
class AtMost:
    """``x < threshold``: 1 at or below it, Gaussian decay of width ``scale`` above; ``beyond`` as in
    :class:`AtLeast` (``<``: lower breaks ties; ``<=``: meeting it is enough)."""

    threshold: float
    scale: float
    beyond: bool = True

    def __call__(self, x: float) -> float:
        if x <= self.threshold:
            return 1.0
        z = (x - self.threshold) / self.scale
        return math.exp(-0.5 * z * z)

    def margin(self, x: float) -> float:
        """Signed distance below the threshold in units of ``scale`` (0 when ``beyond`` is off)."""
        return (self.threshold - x) / self.scale if self.beyond else 0.0

    def describe(self) -> str:
        more = "; lower breaks ties" if self.beyond else ""
        return f"1 if x <= {self.threshold:g}, else gaussian decay (scale {self.scale:g}){more}"


@dataclass(frozen=True)
class Between:
    """``x = low..high``: 1 inside the interval, Gaussian decay of width ``scale`` outside."""

    low: float
    high: float
    scale: float

    def __call__(self, x: float) -> float:
        if self.low <= x <= self.high:
            return 1.0
        edge = self.low if x < self.low else self.high
        z = (x - edge) / self.scale
        return math.exp(-0.5 * z * z)

    def describe(self) -> str:
        return f"1 if {self.low:g} <= x <= {self.high:g}, else gaussian decay (scale {self.scale:g})"


@dataclass(frozen=True)
class Near:
    """``x = value``: Gaussian of width ``scale`` centred on the value."""

    value: float
    scale: float

    def __call__(self, x: float) -> float:
        z = (x - self.value) / self.scale
        return math.exp(-0.5 * z * z)

    def describe(self) -> str:
        return f"gaussian(mu={self.value:g}, sigma={self.scale:g})"


# --- aggregation ------------------------------------------------------------------------------------


def geometric_mean(values: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """Weighted geometric mean; any zero gives 0 (a hard "no" in one term vetoes the candidate).

    With equal weights this equals GuacaMol's ``prod(values) ** (1/n)``.
    """
    if not values:
        raise ValueError("geometric_mean of no values")
    if weights is None:
        prod = 1.0
        for v in values:
            prod *= v
        return float(prod ** (1.0 / len(values))) if prod > 0 else 0.0
    total = float(sum(weights))
    acc = 0.0
    for v, w in zip(values, weights, strict=True):
        if v <= 0.0:
            return 0.0
        acc += w * math.log(v)
    return math.exp(acc / total)


def arithmetic_mean(values: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """Weighted arithmetic mean (GuacaMol ``ArithmeticMeanScoringFunction`` with weights)."""
    if not values:
        raise ValueError("arithmetic_mean of no values")
    if weights is None:
        return float(sum(values)) / len(values)
    return float(sum(v * w for v, w in zip(values, weights, strict=True))) / float(sum(weights))
