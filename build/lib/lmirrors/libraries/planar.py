r"""Two-layer networks on 2-D data: kink lines through pairs of data points (our definition and result).

The paper's latest version (v4) lists a special case with two-dimensional data, Theorem C.3.
Its statement was not in any public material this project could read, so the setting, the
library and the theorem below are **ours**, built the way the paper builds its 1-D libraries
(features whose kinks sit at the data), not a transcription of Theorem C.3.

**Setting.** Points $x_1, \dots, x_N \in \mathbb R^2$, labels $y$, a two-layer network
$f(x) = \xi + \sum_k a_k\,\sigma(w_k^\top x + b_k)$ with $\sigma$ the ReLU or the absolute
value, trained on

$$ J = \tfrac12\|f(X) - y\|^2 + \tfrac\beta2 \sum_k \bigl(a_k^2 + \|w_k\|_p^2\bigr), $$

$p = 2$ (weight decay) or $p = 1$. Rescaling $a \to a/c$, $(w, b) \to c\,(w, b)$ (AM-GM)
makes a unit cost $\beta|a_k|\,\|w_k\|_p$, so training is the Lasso over the normalised units
$\sigma(w^\top x + b)$, $\|w\|_p = 1$, $b \in \mathbb R$: a continuum. Its optimality
certificate is $\sup_{w, b} |r^\top \sigma(Xw + b)| \le \beta$ for the centred residual $r$
($\mathbf 1^\top r = 0$ because the output bias is free).

**Theorem (ours; $p = 1$).** The finite library of

* *pair* features $\sigma\bigl(\pm n_{ij}^\top (x - x_i)\bigr)$ with $n_{ij} \perp x_j - x_i$,
  $\|n_{ij}\|_1 = 1$: the kink line through $x_i$ and $x_j$;
* *axis* features $\sigma\bigl(\pm(x^{(1)} - x^{(1)}_n)\bigr)$, $\sigma\bigl(\pm(x^{(2)} - x^{(2)}_n)\bigr)$:
  the kink line through $x_n$ parallel to an axis

attains that supremum, so the Lasso over it equals training: $N(N-1) + 4N$ candidates for the
ReLU, $N(N-1)/2 + 2N$ for $|\cdot|$ ($w$ and $-w$ give the same unit).
*Proof.* The $\ell_1$ unit circle is four segments; on each, $w = w(t)$ is affine in
$t \in [0, 1]$. On a cell of the arrangement of the lines $w(t)^\top x_n + b = 0$ in the
$(t, b)$ strip the activation pattern is fixed, so $r^\top\sigma(Xw(t) + b)$ is affine there,
and bounded (far from all lines it does not depend on $b$, since $\mathbf 1^\top r = 0$).
A bounded affine function on a pointed polyhedron is largest at a vertex; a vertex is two
lines meeting ($w \perp x_i - x_j$, $b = -w^\top x_i$: a pair feature) or one line meeting the
strip's edge ($w = \pm e_1, \pm e_2$: an axis feature).

**Weight decay ($p = 2$).** For a fixed $w$ the same argument in $b$ alone puts the best kink
line through a data point $x_n$. But along the unit circle, between two directions where that
line meets another data point, the correlation is $w^\top v$ with
$v = \sum_{m\ \rm active} r_m\, s_m (x_m - x_n)$ ($s_m = 1$ for the ReLU, the side's sign for
$|\cdot|$): a sinusoid in the angle, largest at $w = v/\|v\|$, which is usually inside the arc
and depends on $r$. The pair library (normalised in $\ell_2$) is then only a restriction. What
is finite is the set of :class:`Cones` (pivot point × arc), on which a unit's column $M w$ is
linear in $w$: weight decay is a group Lasso over them
(:func:`~lmirrors.convex.cones.cone_group_lasso`), and :class:`CirclePricing` prices the
continuum exactly, arc by arc, to certify a solution.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar

import numpy as np

from ..activations import Activation, get_activation
from .features import number
from .library import Candidates, Library

NORMS = ("l1", "l2")
"""Weight penalties on the hidden weights $w \\in \\mathbb R^2$: $\\|w\\|_1^2$ (our theorem) or $\\|w\\|_2^2$ (weight decay)."""
ACTIVATIONS = ("relu", "abs")
"""Activations of the planar networks."""


def as_points(X) -> np.ndarray:
    """``X`` as an (n, 2) float array (one point ``(x1, x2)`` becomes one row)."""
    return np.asarray(X, dtype=float).reshape(-1, 2)


@dataclass(frozen=True)
class PlanarFeature:
    r"""A normalised unit $\sigma(w^\top x + b)$ on the plane, its kink line $\{w^\top x + b = 0\}$.

    ``kind``: ``"pair"`` (the line passes through two data points), ``"axis"`` (through one,
    parallel to an axis) or ``"direction"`` (through one, any other direction: weight decay);
    ``through``: the data points $(x^{(1)}, x^{(2)})$ on the line.
    """

    activation: Activation
    w: tuple[float, float]
    b: float
    kind: str
    through: tuple[tuple[float, float], ...]

    def __call__(self, X) -> np.ndarray:
        return self.activation(as_points(X) @ np.asarray(self.w) + self.b)

    @property
    def breakpoints(self) -> tuple[float, float, float]:
        """The kink line as $(w_1, w_2, b)$."""
        return (*self.w, self.b)

    @property
    def label(self) -> str:
        terms = [(c, name) for c, name in ((self.w[0], "x₁"), (self.w[1], "x₂"), (self.b, "")) if c != 0]
        inner = ""
        for k, (c, name) in enumerate(terms):
            size = number(abs(c)) if name == "" or abs(c) != 1 else ""
            inner += ("−" if c < 0 else "+" if k else "") + (" " if k else "") + size + ("·" if size and name else "")
            inner += name + " "
        points = " and ".join(f"({number(p)}, {number(q)})" for p, q in self.through)
        return f"{self.activation.name}({inner.strip()}), line through {points}"


@dataclass(frozen=True)
class PlanarArchitecture:
    """Two-layer networks of ``activation`` units on 2-D data with the $\\|w\\|_p^2$ penalty ``norm``."""

    activation: Activation
    norm: str = "l1"
    depth: ClassVar[int] = 2

    def __post_init__(self) -> None:
        if self.activation.name not in ACTIVATIONS:
            raise ValueError(f"planar networks use {' or '.join(ACTIVATIONS)}, got {self.activation.name!r}")
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {self.norm!r}")

    @classmethod
    def make(cls, activation: str | Activation = "relu", norm: str = "l1") -> PlanarArchitecture:
        """The architecture from names, e.g. ``PlanarArchitecture.make("abs", "l2")``."""
        return cls(get_activation(activation), norm)

    @property
    def name(self) -> str:
        return f"2-layer {self.activation.name} on 2-D data, ‖w‖{'₁' if self.norm == 'l1' else '₂'}² penalty"

    def size_formula(self, n: int) -> int:
        """Candidates on $n$ distinct points: $n(n-1) + 4n$ (ReLU), $n(n-1)/2 + 2n$ (abs)."""
        return n * (n - 1) + 4 * n if self.activation.name == "relu" else n * (n - 1) // 2 + 2 * n

    def candidates(self, points: np.ndarray) -> Candidates:
        r"""Pair features for every $i < j$, then axis features for every point (normalised in ``norm``)."""
        return pair_candidates(points, self.activation, self.norm)

    def library(self, X, kinds: tuple[str, ...] = ("pair", "axis")) -> Library:
        """The pair-and-axis library on the distinct rows of ``X``, evaluated at every row
        (``kinds``: only the pair or only the axis features, to see what each part brings)."""
        X = as_points(X)
        candidates = self.candidates(np.unique(X, axis=0))
        if set(kinds) != {"pair", "axis"}:
            candidates = _only(candidates, kinds)
        return Library.from_candidates(self, X, candidates)

    def cones(self, X) -> Cones:
        r"""The weight-decay library: cones of directions, one per pivot data point and arc (:class:`Cones`)."""
        if self.norm != "l2":
            raise ValueError("the l1 library is finite and exact; use library(X)")
        return planar_cones(X, self.activation)

    def pricing(self, X) -> CirclePricing:
        r"""Exact pricing over every unit with $\|w\|_2 = 1$ (weight decay), over :meth:`cones`."""
        return CirclePricing(self.cones(X))


def pair_candidates(points: np.ndarray, activation: Activation, norm: str = "l1") -> Candidates:
    r"""Pair features (kink line through $x_i$, $x_j$, $i < j$; both orientations for the ReLU), then
    axis features (kink line through $x_n$ parallel to an axis), directions of unit ``norm``."""
    points = as_points(points)
    n = points.shape[0]
    signs = (1.0, -1.0) if activation.name == "relu" else (1.0,)
    i, j = np.triu_indices(n, 1)
    d = points[j] - points[i]
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    normal /= np.abs(normal).sum(axis=1, keepdims=True) if norm == "l1" else np.linalg.norm(normal, axis=1)[:, None]
    axes = np.array([[1.0, 0.0], [0.0, 1.0]])
    axes = np.concatenate([s * axes for s in signs])
    W = np.concatenate([*(s * normal for s in signs), np.repeat(axes, n, axis=0)])
    anchor = np.concatenate([*(points[i] for _ in signs), np.tile(points, (len(axes), 1))])
    B = -(W * anchor).sum(axis=1)
    pairs = [(tuple(points[p].tolist()), tuple(points[q].tolist())) for p, q in zip(i, j, strict=True)]
    through = [*(pairs * len(signs)), *((tuple(p),) for _ in axes for p in points.tolist())]
    kinds = ["pair"] * (len(signs) * i.size) + ["axis"] * (len(axes) * n)
    return Candidates(
        W.shape[0],
        lambda X: activation(as_points(X) @ W.T + B),
        partial(_feature_of, activation, W, B, kinds, through),
    )


def distinct_lines(lines) -> np.ndarray:
    r"""Rows $(w_1, w_2, b)$ of lines $w^\top x + b = 0$, each scaled to $\|w\|_2 = 1$ with $w$'s first nonzero
    entry positive (the same line has one row), round-off twins merged, sorted."""
    lines = np.asarray(lines, dtype=float).reshape(-1, 3)
    lines = lines[np.linalg.norm(lines[:, :2], axis=1) > 0]
    lines = lines / np.linalg.norm(lines[:, :2], axis=1)[:, None]
    lines[np.where(lines[:, 0] != 0, lines[:, 0], lines[:, 1]) < 0] *= -1
    return np.unique(np.round(lines, 12), axis=0)


def _only(candidates: Candidates, kinds: tuple[str, ...]) -> Candidates:
    keep = np.array([k for k in range(candidates.count) if candidates.feature(k).kind in kinds], dtype=np.int64)
    return Candidates(keep.size, lambda X: candidates.values(X)[:, keep], lambda k: candidates.feature(int(keep[k])))


def random_units(X, activation: Activation, norm: str, count: int = 100_000, seed: int = 0) -> np.ndarray:
    r"""Columns $\sigma(w^\top x + b)$ at ``X`` of ``count`` random units: directions uniform on the circle
    scaled to $\|w\|_p = 1$, kink lines through random points of the data's bounding box enlarged by its
    size on every side (kinks anywhere, not only at the data): an oracle independent of the library."""
    X = as_points(X)
    rng = np.random.default_rng(seed)
    W = _directions(rng.uniform(0, 2 * np.pi, count))
    if norm == "l1":
        W /= np.abs(W).sum(axis=1, keepdims=True)
    lo, hi = X.min(axis=0), X.max(axis=0)
    anchor = rng.uniform(lo - (hi - lo), hi + (hi - lo), (count, 2))
    return activation(X @ W.T - (W * anchor).sum(axis=1))


def correlation_profile(X, activation: Activation, r: np.ndarray, pivot: np.ndarray, angles: np.ndarray) -> np.ndarray:
    r"""$r^\top\sigma\bigl((X - x_n)\,w(\theta)\bigr)$ for each angle $\theta$: the correlation of the units
    whose kink line passes through ``pivot`` $= x_n$, as the direction $w(\theta) = (\cos\theta, \sin\theta)$ turns."""
    return activation((as_points(X) - pivot) @ _directions(np.asarray(angles, dtype=float)).T).T @ r


def _feature_of(activation, W, B, kinds, through, k: int) -> PlanarFeature:
    return PlanarFeature(activation, (float(W[k, 0]), float(W[k, 1])), float(B[k]), kinds[k], through[k])


@dataclass(frozen=True)
class Cones:
    r"""The weight-decay library on data ``X``: finitely many cones of directions.

    For each distinct pivot point $x_n$, the directions where the line through $x_n$ meets
    another data point cut the unit circle into arcs $[\theta_0, \theta_1]$ (of length at most
    $\pi$). On an arc the activation pattern is fixed, so the unit
    $\sigma(w^\top(x - x_n))$ has the column $M w$ on the data, linear in $w$; ``M[k]`` is that
    $N \times 2$ matrix for block $k$, ``pivot[k]`` the point, ``start[k]``, ``stop[k]`` the arc.
    """

    X: np.ndarray
    activation: Activation
    pivot: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    M: np.ndarray

    @property
    def size(self) -> int:
        """Number of cones (blocks)."""
        return self.start.size

    @property
    def inward(self) -> np.ndarray:
        r"""Inward normals of shape ``(blocks, 2, 2)``: the cone of block $k$ is
        $\{u : \text{inward}[k]\,u \ge 0\}$ (left of the arc's first direction, right of its last;
        one half-plane when the arc is $\pi$ long)."""
        first = np.stack([-np.sin(self.start), np.cos(self.start)], axis=1)
        last = np.stack([np.sin(self.stop), -np.cos(self.stop)], axis=1)
        return np.stack([first, last], axis=1)

    def feature(self, k: int, angle: float) -> PlanarFeature:
        """The unit of block ``k`` at direction ``angle`` (its line through the pivot)."""
        w = np.array([np.cos(angle), np.sin(angle)])
        b = -float(w @ self.pivot[k])
        points = np.unique(self.X, axis=0)
        scale = max(1.0, float(np.abs(points).max()))
        on_line = points[np.abs(points @ w + b) <= 1e-9 * scale]
        kind = "pair" if on_line.shape[0] >= 2 else "direction"
        return PlanarFeature(self.activation, (float(w[0]), float(w[1])), b, kind, tuple(map(tuple, on_line.tolist())))

    def features(self, U: np.ndarray, rtol: float = 1e-7) -> list[tuple[PlanarFeature, float]]:
        r"""Units and coefficients $(w = u_k/\|u_k\|,\ z = \|u_k\|)$ of the blocks whose $\|u_k\|$ is above
        ``rtol`` times the largest: the network a solution $U$ (blocks × 2) of the cone program stands for."""
        size = np.linalg.norm(U, axis=1)
        keep = np.flatnonzero(size > rtol * size.max(initial=0.0))
        return [(self.feature(int(k), float(np.arctan2(U[k, 1], U[k, 0]))), float(size[k])) for k in keep]


def planar_cones(X, activation: Activation) -> Cones:
    """Enumerate the cones of :class:`Cones`: every distinct pivot, every arc of nonzero length."""
    X = as_points(X)
    pivots, starts, stops, matrices = [], [], [], []
    for centre in np.unique(X, axis=0):
        D = X - centre
        moved = np.any(D != 0.0, axis=1)
        base = np.arctan2(D[moved, 1], D[moved, 0])
        cuts = np.unique(np.mod(np.concatenate([base + np.pi / 2, base - np.pi / 2]), 2 * np.pi))
        ends = np.append(cuts, cuts[0] + 2 * np.pi)
        arcs = np.flatnonzero(np.diff(ends) > 1e-12)
        mid = (ends[arcs] + ends[arcs + 1]) / 2
        inside = _directions(mid) @ D.T
        slope = (inside > 0).astype(float) if activation.name == "relu" else np.sign(inside)
        matrices.append(slope[:, :, None] * D[None, :, :])
        pivots.append(np.tile(centre, (arcs.size, 1)))
        starts.append(ends[arcs])
        stops.append(ends[arcs + 1])
    return Cones(X, activation, *(np.concatenate(v) for v in (pivots, starts, stops, matrices)))


class CirclePricing:
    r"""Exact pricing of all units $\sigma(w^\top x + b)$, $\|w\|_2 = 1$, $b \in \mathbb R$, over :class:`Cones`.

    On block $k$ the correlation with $r$ is $w^\top v_k$, $v_k = M_k^\top r$, so its largest
    $|\cdot|$ on the arc is $\|v_k\|$ if $\pm v_k$ points into the arc, else at an end. Called with a
    centred $r$, returns $\max |r^\top \sigma(Xw + b)|$ and the maximising column (the oracle of
    :func:`lmirrors.convex.column_generation.solve`); :meth:`feature` gives back its unit.
    """

    def __init__(self, cones: Cones) -> None:
        self.cones = cones
        self.produced: list[tuple[np.ndarray, PlanarFeature]] = []

    def best(self, r: np.ndarray) -> tuple[float, PlanarFeature]:
        """$\\max_{w, b} |r^\top\\sigma(Xw + b)|$ and a unit attaining it."""
        cones = self.cones
        v = np.einsum("knd,n->kd", cones.M, r)
        length = cones.stop - cones.start
        values = [np.abs(np.einsum("kd,kd->k", _directions(end), v)) for end in (cones.start, cones.stop)]
        angles = [cones.start, cones.stop]
        for turn in (0.0, np.pi):  # w = v/|v| (largest w.v) and w = -v/|v| (most negative)
            towards = np.arctan2(v[:, 1], v[:, 0]) + turn
            hit = np.mod(towards - cones.start, 2 * np.pi) <= length
            values.append(np.where(hit, np.linalg.norm(v, axis=1), -1.0))
            angles.append(towards)
        values, angles = np.stack(values), np.stack(angles)
        choice, k = np.unravel_index(int(np.argmax(values)), values.shape)
        return float(values[choice, k]), cones.feature(int(k), float(angles[choice, k]))

    def __call__(self, r: np.ndarray) -> tuple[float, np.ndarray]:
        value, feature = self.best(np.asarray(r, dtype=float))
        column = feature(self.cones.X)
        self.produced.append((column, feature))
        return value, column[:, None]

    def feature(self, column: np.ndarray) -> PlanarFeature:
        """The unit behind a column this oracle returned."""
        for produced, feature in self.produced:
            if np.array_equal(produced, column):
                return feature
        raise KeyError("this column was not produced by the pricing oracle")


def _directions(angles: np.ndarray) -> np.ndarray:
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)
