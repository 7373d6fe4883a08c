r"""The contract every network class keeps: the non-convex side of the equivalence.

A network is $f(x) = \xi + \sum_k \text{unit}_k(x)$: independent units and an unpenalised output
bias $\xi$, trained on $J(\theta) = \tfrac12\|f(X) - y\|^2 + \text{penalty}_\beta(\theta)$. The
command line, the JSON export, the estimator, the explorer and the plots use only what
:class:`Network` declares, so a new family of the paper plugs in by subclassing it.

Subclasses set ``kind`` (the tag of their JSON description) and are registered under it, so
:meth:`Network.from_dict` can read any description back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

FORMAT = "lmirrors.network/2"
"""Tag of the JSON description written by :meth:`Network.to_dict` (version 2 added ``kind``)."""


class Network(ABC):
    """A parallel network of independent units with an output bias ``xi``."""

    kind: ClassVar[str]
    kinds: ClassVar[dict[str, type[Network]]] = {}
    xi: float

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
        """$f(x) = \\xi + \\sum_k \\text{unit}_k(x)$ at the points ``x``."""
        return self.xi + self.units(np.asarray(x, dtype=float).reshape(-1)).sum(axis=0)

    @abstractmethod
    def penalty(self, beta: float) -> float:
        """The weight penalty of $J$ at strength ``beta``."""

    def objective(self, x, y, beta: float) -> float:
        r"""$J(\theta) = \tfrac12\|f(X) - y\|^2 + \text{penalty}_\beta(\theta)$ on data ``(x, y)``."""
        r = self(x) - np.asarray(y, dtype=float).reshape(-1)
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
        return {"format": FORMAT, "kind": self.kind, "output_bias": float(self.xi), **self.parameters()}

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
        return Network.kinds[kind].from_parameters(description)


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
    try:
        values = np.asarray(description[key], dtype=float)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"network description: {key!r} missing or not numeric ({exc})") from None
    if values.size == 0:  # an empty list carries no shape
        values = values.reshape([0 if n == -1 else n for n in shape])
    if values.ndim != len(shape) or any(n not in (-1, m) for n, m in zip(shape, values.shape, strict=True)):
        expected = "(" + ", ".join("any" if n == -1 else str(n) for n in shape) + ")"
        raise ValueError(f"network description: {key!r} has shape {values.shape}, expected {expected}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"network description: {key!r} holds NaN or infinite values")
    return values
