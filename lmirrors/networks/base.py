r"""The contract every network class keeps: the non-convex side of the equivalence.

A network is $f(x) = \xi + \sum_k \text{unit}_k(x - c)$: independent units and an unpenalised output
bias $\xi$, trained on $J(\theta) = \tfrac12\|f(X) - y\|^2 + \text{penalty}_\beta(\theta)$. The
fixed first map $x \mapsto x - c$ (``input_shift``, not trained, not penalised) keeps biases at
the data's spread rather than at its offset: a network fitted to timestamps near $1.7\cdot10^9$
would otherwise carry biases that large and lose digits in every evaluation. It is part of the
JSON description and of the torch module. The
command line, the JSON export, the estimator, the explorer and the plots use only what
:class:`Network` declares, so a new family of the paper plugs in by subclassing it.

Subclasses set ``kind`` (the tag of their JSON description) and are registered under it, so
:meth:`Network.from_dict` can read any description back.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from ..validation import as_1d

FORMAT = "lmirrors.network/2"
"""Tag of the JSON description written by :meth:`Network.to_dict` (version 2 added ``kind``)."""


class Network(ABC):
    """A parallel network of independent units with an output bias ``xi``."""

    kind: ClassVar[str]
    kinds: ClassVar[dict[str, type[Network]]] = {}
    xi: float
    input_shift: float = 0.0
    r"""$c$ of the fixed input map $x \mapsto x - c$."""

    def inputs(self, x) -> np.ndarray:
        """The points after the fixed input map: $x - c$ (flattened, float)."""
        return np.asarray(x, dtype=float).reshape(-1) - self.input_shift

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        Network.kinds[cls.kind] = cls

    @property
    @abstractmethod
    def depth(self) -> int:
        """Number of weight layers $L$."""

    @property
    @abstractmethod
    def width(self) -> int:
        """Number of parallel units."""

    @abstractmethod
    def units(self, x) -> np.ndarray:
        """Outputs of every unit at ``x``: shape (units, len(x))."""

    def __call__(self, x) -> np.ndarray:
        """$f(x) = \\xi + \\sum_k \\text{unit}_k(x)$ at the points ``x`` (a number, shape (n,) or (n, 1), finite)."""
        return self.xi + self.units(as_1d(x, "x", scalar=True)).sum(axis=0)

    @abstractmethod
    def penalty(self, beta: float) -> float:
        """The weight penalty of $J$ at strength ``beta``."""

    def objective(self, x, y, beta: float) -> float:
        r"""$J(\theta) = \tfrac12\|f(X) - y\|^2 + \text{penalty}_\beta(\theta)$ on data ``(x, y)``."""
        r = self(x) - as_1d(y, "y", scalar=True)
        return float(0.5 * r @ r) + self.penalty(beta)

    @abstractmethod
    def breakpoints(self) -> np.ndarray:
        """Sorted input locations where some unit bends (piecewise-linear units) or switches (sign units)."""

    @abstractmethod
    def describe(self) -> str:
        """One line: how many units of which depth, and how many parameters."""

    @abstractmethod
    def parameters(self) -> dict[str, Any]:
        """The JSON-ready fields of :meth:`to_dict` that are particular to this class."""

    @classmethod
    @abstractmethod
    def from_parameters(cls, description: dict[str, Any]) -> Network:
        """Inverse of :meth:`parameters` (raises ``ValueError`` on a malformed description)."""

    @abstractmethod
    def to_torch(self):
        """A ``torch.nn.Module`` (float64) computing the same function."""

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to evaluate the network without ``lmirrors``, as plain JSON data."""
        return {
            "format": FORMAT,
            "kind": self.kind,
            "output_bias": float(self.xi),
            "input_shift": float(self.input_shift),
            **self.parameters(),
        }

    @staticmethod
    def from_dict(description: dict[str, Any]) -> Network:
        """The network a :meth:`to_dict` description stands for, of whichever kind it names."""
        if not isinstance(description, dict):
            raise ValueError(f"a network description is a JSON object, got {type(description).__name__}")
        if description.get("format") != FORMAT:
            raise ValueError(
                f"not an lmirrors network description: format {description.get('format')!r}, not {FORMAT!r}"
            )
        kind = description.get("kind")
        if kind not in Network.kinds:
            raise ValueError(f"unknown network kind {kind!r}; known: {', '.join(sorted(Network.kinds))}")
        network = Network.kinds[kind].from_parameters(description)
        if "input_shift" in description:  # descriptions written before it existed have none
            network.input_shift = real_number(description, "input_shift")
        return network


def distinct_points(values) -> np.ndarray:
    """Sorted values with round-off twins merged: neighbours closer than $10^{-10}$ of their own
    magnitude, or of the median magnitude near zero (one far-away value does not merge the rest)."""
    t = np.unique(np.asarray(values, dtype=float))
    if t.size < 2:
        return t
    scale = np.maximum(np.maximum(np.abs(t[:-1]), np.abs(t[1:])), float(np.median(np.abs(t))))
    keep = np.concatenate([[True], np.diff(t) > 1e-10 * scale])
    return t[keep]


def real_number(description: dict[str, Any], key: str) -> float:
    """``description[key]`` as a finite float, or a ``ValueError`` naming the key."""
    value = description.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise ValueError(f"network description: {key!r} must be a finite number, got {value!r}")
    return float(value)


def real_array(description: dict[str, Any], key: str, shape: tuple[int, ...]) -> np.ndarray:
    """``description[key]`` as a finite float array of ``shape`` (-1 for any length), or a ``ValueError``."""
    if key not in description:
        raise ValueError(f"network description: {key!r} is missing")
    bad = _not_a_number(description[key])
    if bad is not None:
        raise ValueError(f"network description: {key!r} holds {bad}, which is not a number")
    try:
        values = np.asarray(description[key], dtype=float)
    except ValueError:
        raise ValueError(f"network description: {key!r} is ragged (nested lists of different lengths)") from None
    empty = [0 if n == -1 else n for n in shape]
    if values.size == 0 and math.prod(empty) == 0:  # an empty list carries no shape
        values = values.reshape(empty)
    if values.ndim != len(shape) or any(n not in (-1, m) for n, m in zip(shape, values.shape, strict=True)):
        expected = str(tuple(shape)).replace("-1", "any")
        raise ValueError(f"network description: {key!r} has shape {values.shape}, expected {expected}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"network description: {key!r} holds NaN or infinite values")
    return values


def _not_a_number(value) -> str | None:
    """How the first entry of nested lists that is no number reads in JSON (``null``, ``true``, ``"1"``), else None."""
    if isinstance(value, (list, tuple)):
        return next((bad for bad in map(_not_a_number, value) if bad is not None), None)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        try:
            return json.dumps(value)
        except (TypeError, ValueError):
            return repr(value)
    return None
