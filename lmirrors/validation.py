"""Checks on user input, with errors that say what is wrong and what to do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

MIN_POINTS = 2


def as_real(values, name: str) -> np.ndarray:
    """``values`` as a float array of any shape, refusing what a silent conversion would change.

    Masked arrays (the mask would be lost), complex numbers (the imaginary part would be
    dropped) and text (numbers should be parsed by the caller) raise a ``ValueError``.
    """
    if isinstance(values, np.ma.MaskedArray):
        raise ValueError(
            f"{name} is a masked array, and its mask would be lost; pass {name}.compressed() to drop "
            f"the masked entries (and the matching entries of the other arrays) or {name}.filled(value)"
        )
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric; could not convert it to floats ({exc})") from exc
    if raw.dtype.kind == "c":
        raise ValueError(f"{name} holds complex numbers; lmirrors fits real data: pass {name}.real or abs({name})")
    if raw.dtype.kind in "USV":
        raise ValueError(f"{name} holds text ({raw.dtype}); convert it to numbers first, e.g. with float()")
    try:
        return np.asarray(raw, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric; could not convert it to floats ({exc})") from exc


def as_1d(values, name: str, scalar: bool = False) -> np.ndarray:
    """A finite float vector from a list, an (n,) array or an (n, 1) array (``scalar``: a number too)."""
    arr = as_real(values, name)
    if scalar and arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be one-dimensional (shape (n,) or (n, 1)), got shape {arr.shape}; "
            "lmirrors fits functions of a single input (fit_planar takes points of the plane)"
        )
    if not np.isfinite(arr).all():
        bad = ~np.isfinite(arr)
        where = np.flatnonzero(bad)[:5].tolist()
        raise ValueError(
            f"{name} contains {bad.sum()} NaN or infinite value(s) (positions {where}); remove or impute them first"
        )
    return arr


def as_planar_points(X, name: str = "X") -> np.ndarray:
    """Finite points of the plane: an array of shape (n, 2) (one point of shape (2,) becomes one row)."""
    X = as_real(X, name)
    if X.shape == (2,):
        X = X.reshape(1, 2)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2): one row per point of the plane, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite values; remove or impute them first")
    return X


def check_data(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Validate training data: equal lengths, finite, 1-D, at least two distinct x.

    Repeated x values are allowed, with any labels: the squared loss sums over every copy,
    which :func:`merge_repeated` turns into one weighted point per distinct x.
    """
    x = as_1d(x, "x")
    y = as_1d(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    if x.size == 0 or x.min() == x.max():  # fewer than two distinct x, found without a sort
        raise ValueError(
            f"need at least {MIN_POINTS} distinct x values, got {min(x.size, 1)}; "
            "a single point is fit by the output bias alone"
        )
    return x, y


def check_weights(weights, n: int, name: str = "sample_weight", allow_zero: bool = False) -> np.ndarray:
    """Finite weights, one per data point: positive, or with ``allow_zero`` non-negative and not all zero."""
    weights = as_1d(weights, name, scalar=True)
    if weights.size != n:
        raise ValueError(f"{name} needs one weight per data point ({n}), got {weights.size}")
    bad = weights < 0 if allow_zero else weights <= 0
    if bad.any():
        least = "non-negative (zero leaves a point out)" if allow_zero else "positive (drop the points of weight zero)"
        raise ValueError(
            f"{name} must be {least}, but {bad.sum()} weight(s) are not (positions {np.flatnonzero(bad)[:5].tolist()})"
        )
    if not weights.sum() > 0:
        raise ValueError(f"{name} sums to zero, so no point counts; give the points you fit positive weights")
    return weights


class Merged(NamedTuple):
    r"""Data with repeated x merged (:func:`merge_repeated`): distinct ``points`` (in order of first
    appearance), weighted mean ``labels``, summed ``weights``, the loss ``constant`` they drop, and
    ``index``: the point each datum went to (-1 for a datum of weight zero)."""

    points: np.ndarray
    labels: np.ndarray
    weights: np.ndarray
    constant: float
    index: np.ndarray


def merge_repeated(x, y, weights=None) -> Merged:
    r"""One point per distinct x: for any $f$,
    $\tfrac12\sum_n w_n (f(x_n) - y_n)^2 = \tfrac12\sum_p W_p (f(p) - \bar y_p)^2 + c$ with
    $W_p = \sum_{x_n = p} w_n$, $\bar y_p = \sum_{x_n = p} w_n y_n / W_p$ and the constant
    $c = \tfrac12\sum_n w_n (y_n - \bar y_{x_n})^2$ (``weights``: default one per point; points of
    weight zero are left out).
    """
    x, y = check_data(x, y)
    if weights is None and np.all(np.diff(x[np.argsort(x)]) != 0):  # nothing to merge: one sort tells
        return Merged(x, y, np.ones(x.size), 0.0, np.arange(x.size))
    weights = np.ones(x.size) if weights is None else check_weights(weights, x.size, allow_zero=True)
    kept = weights > 0  # a point of weight zero is not in the loss at all
    _, first, inverse = np.unique(x[kept], return_index=True, return_inverse=True)
    if first.size < MIN_POINTS:
        raise ValueError(
            f"need at least {MIN_POINTS} distinct x values of positive weight, got {first.size}; "
            "a single point is fit by the output bias alone"
        )
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    where = rank[inverse.reshape(-1)]  # index of each kept point's distinct x, in order of appearance
    totals = np.bincount(where, weights=weights[kept])
    labels = np.bincount(where, weights=weights[kept] * y[kept]) / totals
    constant = 0.5 * float(weights[kept] @ (y[kept] - labels[where]) ** 2)
    index = np.full(x.size, -1, dtype=np.int64)
    index[kept] = where
    return Merged(x[kept][np.sort(first)], labels, totals, constant, index)


def check_planar_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Validate training data in the plane: ``X`` of shape (n, 2), finite; ``y`` of length n;
    at least two distinct points; a point repeated only with equal labels."""
    X = as_planar_points(X)
    y = as_1d(y, "y")
    if y.size != X.shape[0]:
        raise ValueError(f"X and y must have the same number of points, got {X.shape[0]} and {y.size}")
    points, where = np.unique(X, axis=0, return_inverse=True)
    if points.shape[0] < MIN_POINTS:
        raise ValueError(
            f"need at least {MIN_POINTS} distinct points, got {points.shape[0]}; "
            "a single point is fit by the output bias alone"
        )
    where = where.reshape(-1)
    first = np.zeros(points.shape[0], dtype=np.int64)
    first[where[::-1]] = np.arange(y.size)[::-1]
    clash = np.flatnonzero(~np.isclose(y, y[first[where]], rtol=1e-12, atol=1e-12))
    if clash.size:
        i = clash[0]
        raise ValueError(
            f"the point {tuple(X[i])} appears more than once with different labels ({y[first[where[i]]]:g} and "
            f"{y[i]:g}); a function cannot take two values there: average the labels or drop one of the points"
        )
    return X, y


def check_beta(beta) -> float:
    """A finite, non-negative regularisation strength."""
    if isinstance(beta, (str, bytes)):
        raise ValueError(f"beta must be a number, got the string {beta!r}; pass float(beta)")
    try:
        beta = float(beta)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"beta must be a number, got {beta!r}") from exc
    if not np.isfinite(beta) or beta < 0:
        raise ValueError(f"beta must be finite and >= 0 (0 means minimum norm), got {beta}")
    return beta


def check_depth(depth) -> int:
    """The number of weight layers: an integer >= 2."""
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 2:
        raise ValueError(f"depth must be an integer >= 2 (weight layers), got {depth!r}")
    return int(depth)


def available_memory() -> int | None:
    """Bytes a new allocation can use: ``MemAvailable`` of ``/proc/meminfo`` (Linux), capped by a
    cgroup v2 limit if one applies; elsewhere the free physical pages; ``None`` when unknown."""
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            return None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        if limit != "max":
            headroom = int(limit) - int(used)
            available = headroom if available is None else min(available, headroom)
    except (OSError, ValueError):
        pass
    return available


def check_memory(n_bytes: float, what: str, advice: str) -> None:
    """Refuse (``ValueError``) to form ``what`` when its estimated ``n_bytes`` exceed :func:`available_memory`."""
    available = available_memory()
    if available is not None and n_bytes > available:
        raise ValueError(
            f"{what} needs about {_bytes(n_bytes)} of memory, but {_bytes(available)} are available; {advice}"
        )


def _bytes(n: float) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 2**10:.1f} KiB"
