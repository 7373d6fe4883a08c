r"""The architecture registry: one entry per result of the paper.

A :class:`Family` says which networks one of the paper's theorems covers (activation, depths,
options), how its library is built (dense; matrix-free; priced by an oracle; solved in closed
form) and how a network is rebuilt from a Lasso solution. An :class:`Architecture` is one
member of a family: a depth and the option values. :func:`lmirrors.fit`, the command line,
the estimator, the explorer and the API page all read :data:`FAMILIES`, so a family added
here is offered everywhere, and :func:`architectures` lists them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .activations import KNOWN_ACTIVATIONS, Activation, get_activation
from .closed_forms import clip_fit
from .convex.column_generation import Oracle
from .convex.dictionary import Dictionary
from .convex.lasso import LassoSolution
from .libraries.capped_ramps import CappedRampDictionary, capped_ramp_candidates, capped_ramp_features
from .libraries.leaky_chains import leaky_candidates, leaky_dictionary
from .libraries.library import Candidates, Library
from .libraries.ramps import ramp_candidates, two_layer_dictionary, two_layer_features
from .libraries.reflections import (
    mirror_dictionary,
    pinned_parameters,
    pinning_count,
    reflection_candidates,
    reflection_features,
)
from .libraries.switching import (
    max_switches,
    pattern_from_values,
    switching_candidates,
    switching_pricing,
    switching_size,
)
from .libraries.symmetrized import symmetrized_candidates, symmetrized_dictionary, symmetrized_size
from .networks.base import Network
from .networks.parallel import ParallelNetwork
from .networks.reconstruction import parallel_network, sign_network
from .networks.sign import SignNetwork
from .validation import as_1d, check_depth

ANY_DEPTH = sys.maxsize
"""``range(2, ANY_DEPTH)``: every finite depth."""

MAX_LAYER_CAKE = 25_000_000
"""Largest (points × units) matrix the closed-form sign fit writes down."""


@dataclass(frozen=True)
class Option:
    """A keyword option of a family (e.g. the leaky ReLU's ``slope``), as the tools show it.

    ``slider`` $= (\\text{low}, \\text{high}, \\text{step})$ lets the explorer offer it
    (``high = None``: up to $N - 1$); ``depths`` limits where it applies.
    """

    name: str
    help: str
    default: Any = None
    depths: range | None = None
    slider: tuple[float, float | None, float] | None = None


@dataclass(frozen=True)
class Priced:
    """A library known through a pricing oracle (column generation)."""

    oracle: Oracle
    feature: Callable[[np.ndarray], Any]
    """The feature of a generated column (its values at the data)."""
    interpolating: Callable[[], np.ndarray]
    """Columns that can interpolate any labels (the start of the minimum-norm LP)."""


@dataclass(frozen=True)
class ClosedForm:
    """A family's Lasso solved in closed form, when ``applies(architecture, N)``."""

    applies: Callable[[Architecture, int], bool]
    needs: str
    solve: Callable[[Architecture, np.ndarray, np.ndarray, float], tuple[Library, LassoSolution]]


@dataclass(frozen=True)
class Family:
    """One result of the paper: the networks it covers and how to solve them."""

    activation: str
    depths: range
    library_name: str
    result: str
    """Where the paper states it (v4 numbering)."""
    network: type[Network]
    reconstruct: Callable[[Library, LassoSolution], Network]
    size: Callable[[Architecture, int], int]
    """Number of candidate features on ``N`` distinct points."""
    candidates: Callable[[Architecture, np.ndarray], Candidates]
    """The candidates with kinks at given points (the data, or a grid for an oracle)."""
    dictionary: Callable[[Architecture, np.ndarray], tuple[Dictionary, Callable[[int], Any]]] | None = None
    """Matrix-free library on ``x`` and the feature of column ``k``."""
    pricing: Callable[[Architecture, np.ndarray], Priced] | None = None
    closed_form: ClosedForm | None = None
    options: tuple[Option, ...] = ()
    check_options: Callable[[int, dict], dict] | None = None
    """Validates and completes the options; without it, only the declared names are accepted and
    missing ones take their defaults."""
    max_dense_columns: int | None = None
    """Above this many columns :func:`lmirrors.fit` prices the library instead of writing it down."""

    @property
    def depth_text(self) -> str:
        return depth_text(self.depths)

    @property
    def methods(self) -> tuple[str, ...]:
        """Ways :func:`lmirrors.fit` can solve this family (``method=``)."""
        offered = [("closed_form", self.closed_form), ("library", True)]
        offered += [("matrix_free", self.dictionary), ("column_generation", self.pricing)]
        return tuple(name for name, available in offered if available)

    def describe(self) -> str:
        """One line: activation, depths, library, the paper's result and the options."""
        options = "; options: " + ", ".join(o.name for o in self.options) if self.options else ""
        return f"{self.activation}, {self.depth_text}: {self.library_name} ({self.result}){options}"

    def resolve_options(self, depth: int, options: dict) -> dict:
        if self.check_options is not None:
            return self.check_options(depth, dict(options))
        names = {o.name for o in self.options}
        unknown = sorted(set(options) - names)
        if unknown:
            accepted = f"accepted: {', '.join(sorted(names))}" if names else "it takes none"
            raise ValueError(f"unknown option(s) for {self.activation} networks: {', '.join(unknown)}; {accepted}")
        return {o.name: options.get(o.name, o.default) for o in self.options}


@dataclass(frozen=True, init=False)
class Architecture:
    """A network family at one depth with its options: ``Architecture(3, "relu")``,
    ``Architecture(2, "leaky_relu", slope=0.1)``, ``Architecture(3, "sign", m1=4)``."""

    depth: int
    activation: Activation
    options: dict = field(compare=False)
    family: Family = field(repr=False, compare=False)

    def __init__(self, depth: int = 2, activation: str | Activation = "relu", **options) -> None:
        depth = check_depth(depth)
        if isinstance(activation, Activation) and activation.name == "leaky_relu":
            options.setdefault("slope", activation.slope)
        name = get_activation(activation).name
        family = find_family(name, depth)
        options = family.resolve_options(depth, options)
        object.__setattr__(self, "depth", depth)
        object.__setattr__(self, "activation", get_activation(name, options.get("slope", 0.0)))
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "family", family)

    def __reduce__(self):
        # pickled by name: the family (functions of the registry) is looked up again on load
        return _architecture, (self.depth, self.activation.name, self.options)

    @property
    def name(self) -> str:
        widths = self.options.get("widths")
        if widths:
            return f"{self.depth}-layer {self.activation.name} (tree, widths {'×'.join(map(str, widths))})"
        return f"{self.depth}-layer {self.activation.name}"

    def size_formula(self, n: int) -> int:
        """Number of candidate features the theorem lists for ``n`` distinct points."""
        return self.family.size(self, n)

    def library(self, x, breakpoints=None, max_columns: int | None = None) -> Library:
        """The finite library on data ``x`` (any order; repeats allowed).

        ``breakpoints`` replaces the data points as kink locations, e.g. a dense grid for an
        "oracle" library of realisable units against which the theorem can be checked.
        ``max_columns`` (default: the family's limit, if any) refuses larger libraries.
        """
        x = as_1d(x, "x")
        kinks = np.unique(x) if breakpoints is None else np.unique(as_1d(breakpoints, "breakpoints"))
        limit = self.family.max_dense_columns if max_columns is None else max_columns
        size = self.size_formula(kinks.size)
        if limit is not None and size > limit:
            others = ", ".join(f"method={m!r}" for m in self.family.methods if m != "library")
            raise ValueError(
                f"the {self.name} library on {kinks.size} points has {size:,} columns (> max_columns = {limit:,}); "
                f"use fit(..., {others}) or raise max_columns"
            )
        return Library.from_candidates(self, x, self.family.candidates(self, kinks))

    def dictionary(self, x) -> tuple[Dictionary, Callable[[int], Any]]:
        """The library on ``x`` as a matrix-free :class:`~lmirrors.convex.dictionary.Dictionary`
        (every candidate column, duplicates included) and the feature of column ``k``."""
        if self.family.dictionary is None:
            raise ValueError(f"{self.name} networks have no matrix-free library; methods: {self.family.methods}")
        return self.family.dictionary(self, as_1d(x, "x"))

    def pricing(self, x) -> Oracle:
        r"""The oracle $r \mapsto (\max_j |a_j^\top r|, \text{maximising columns})$ over the whole library on ``x``."""
        if self.family.pricing is None:
            raise ValueError(f"{self.name} networks have no pricing oracle; methods: {self.family.methods}")
        return self.family.pricing(self, as_1d(x, "x")).oracle


def _architecture(depth: int, activation: str, options: dict) -> Architecture:
    return Architecture(depth, activation, **options)


def find_family(activation: str, depth: int) -> Family:
    """The registry entry for ``activation`` at ``depth``; a one-line error lists what exists."""
    for family in FAMILIES:
        if family.activation == activation and depth in family.depths:
            return family
    raise ValueError(f"no library yet for depth {depth} with {activation}; available: {supported_text()}")


def depth_text(depths: range) -> str:
    """``depth 2``, ``depths 3–10`` or ``any depth ≥ 2``."""
    if depths.stop == ANY_DEPTH:
        return f"any depth ≥ {depths.start}"
    last = depths.stop - 1
    return f"depth {depths.start}" if last == depths.start else f"depths {depths.start}–{last}"


def supported_text() -> str:
    """Every activation with its depths, e.g. ``relu: depths 2–10; abs: depths 2–5; ...``."""
    parts = []
    for name in KNOWN_ACTIVATIONS:
        families = [f for f in FAMILIES if f.activation == name]
        if families:
            depths = range(min(f.depths.start for f in families), max(f.depths.stop for f in families))
            parts.append(f"{name}: {depth_text(depths)}")
    return "; ".join(parts)


def architectures() -> tuple[Family, ...]:
    """Every family the package can fit (print ``family.describe()`` for a line each)."""
    return FAMILIES


def supported(max_depth: int = 10) -> dict[int, tuple[str, ...]]:
    """Depth → the activations with a library at that depth, for depths up to ``max_depth``
    (menus and tables; families of any depth are listed up to there)."""
    table = {}
    for depth in range(2, max_depth + 1):
        names = tuple(dict.fromkeys(f.activation for f in FAMILIES if depth in f.depths))
        if names:
            table[depth] = names
    return table


# ----- the families' adapters -----------------------------------------------------------


def _sign_options(depth: int, options: dict) -> dict:
    """Sign networks: ``widths`` $(m_1, \\dots, m_{L-2})$, or one number for every layer, or ``m1`` at depth 3."""
    m1, widths = options.pop("m1", None), options.pop("widths", None)
    if options:
        raise ValueError(f"unknown option(s) for sign networks: {', '.join(sorted(options))}; accepted: m1, widths")
    if m1 is not None and widths is not None:
        raise ValueError("give either m1 or widths, not both")
    if m1 is not None:
        if depth != 3:
            raise ValueError(f"m1 sizes depth-3 sign networks; for depth {depth} pass widths=(m1, ...) instead")
        widths = (m1,)
    if widths is None:
        if depth != 2:
            raise ValueError(f"a depth-{depth} sign network needs m1 (depth 3) or widths=(m1, ..., m_L-2)")
        widths = ()
    widths = tuple(widths) if np.ndim(widths) else (widths,) * (depth - 2)
    for m in widths:
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
            raise ValueError(f"widths must be integers >= 1 (neurons per layer of a unit), got {widths}")
    if len(widths) != depth - 2:
        raise ValueError(
            f"a depth-{depth} sign network needs {depth - 2} width(s) (m1, ...), got {widths}; "
            "depth 2 takes none, depth 3 takes m1 (first-layer neurons per unit)"
        )
    return {"widths": tuple(int(m) for m in widths)}


def _switches(architecture: Architecture) -> int:
    return max_switches(architecture.options["widths"])


def _sign_pricing(architecture: Architecture, x: np.ndarray) -> Priced:
    points, first = np.unique(x, return_index=True)
    return Priced(
        switching_pricing(x, _switches(architecture)),
        lambda column: pattern_from_values(points, column[first]),
        lambda: switching_candidates(points, 1).values(x),
    )


def _sign_clipping(architecture: Architecture, x: np.ndarray, y: np.ndarray, beta: float):
    """Every pattern available: the labels clipped (:func:`~lmirrors.closed_forms.clip_fit`), written
    down as the layer cake of its distinct values."""
    clipping = clip_fit(x, y, beta)
    points, inverse = np.unique(x, return_inverse=True)
    units = np.unique(clipping.values).size - 1
    if units * points.size > MAX_LAYER_CAKE:
        raise ValueError(
            f"the optimal network uses {units} units, each switching up to {points.size - 1} times: too "
            f"large to build ({units} x {points.size} > MAX_LAYER_CAKE = {MAX_LAYER_CAKE}); "
            "lmirrors.closed_forms.clip_fit(x, y, beta) gives its fit, cost and certificate without it"
        )
    H, z, xi = clipping.layer_cake()
    features = [pattern_from_values(points, h) for h in H.T]
    size = architecture.size_formula(points.size)
    library = Library(architecture, x, features, H[inverse], size, complete=False, how="solved in closed form")
    return library, LassoSolution(z, xi, beta, clipping.objective, clipping.gap, "clipping (closed form)")


def _mirror_dictionary(architecture: Architecture, x: np.ndarray):
    pinnings = pinned_parameters(np.unique(x), architecture.depth)
    return (
        mirror_dictionary(x, architecture.depth, pinnings),
        reflection_features(x, architecture.depth, architecture.activation, pinnings),
    )


SLOPE = Option("slope", "leaky ReLU slope γ in [0, 1): σ(t) = max(t, γt)", 0.01, slider=(0.0, 0.95, 0.05))
WIDTHS = Option(
    "widths",
    "neurons per hidden layer of a unit's tree, (m1, ..., m_L-2), or one number for every layer",
    depths=range(3, ANY_DEPTH),
    slider=(1, None, 1),
)
M1 = Option("m1", "first-layer neurons of a depth-3 unit (widths=(m1,))", depths=range(3, 4))

FAMILIES: tuple[Family, ...] = (
    *(
        Family(
            name,
            range(2, 3),
            "ramps",
            "v4 two-layer theorem: ramps with breakpoints at the data",
            ParallelNetwork,
            parallel_network,
            lambda arch, n: n if arch.activation.name == "abs" else 2 * n,
            lambda arch, kinks: ramp_candidates(kinks, arch.activation),
            dictionary=lambda arch, x: (
                two_layer_dictionary(x, arch.activation),
                two_layer_features(x, arch.activation),
            ),
            options=options,
        )
        for name, options in (("relu", ()), ("leaky_relu", (SLOPE,)), ("abs", ()))
    ),
    Family(
        "relu",
        range(3, 11),
        "capped ramps",
        "v4 Lemma 3.8",
        ParallelNetwork,
        parallel_network,
        lambda arch, n: n * (n - 1) // 2,
        lambda arch, kinks: capped_ramp_candidates(kinks, arch.depth, arch.activation),
        dictionary=lambda arch, x: (CappedRampDictionary(x), capped_ramp_features(x, arch.depth, arch.activation)),
    ),
    Family(
        "leaky_relu",
        range(3, 5),
        "chains with kinks at data",
        "v4 Theorem 3.7",
        ParallelNetwork,
        parallel_network,
        lambda arch, n: (2 * n) ** (arch.depth - 1),
        lambda arch, kinks: leaky_candidates(kinks, arch.depth, arch.activation),
        dictionary=lambda arch, x: leaky_dictionary(x, arch.depth, arch.activation),
        options=(SLOPE,),
    ),
    Family(
        "abs",
        range(3, 6),
        "reflections",
        "v4 Theorem 3.2",
        ParallelNetwork,
        parallel_network,
        lambda arch, n: (3 * n * n - n) // 2 if arch.depth == 3 else pinning_count(arch.depth, n),
        lambda arch, kinks: reflection_candidates(kinks, arch.depth, arch.activation),
        dictionary=_mirror_dictionary,
    ),
    *(
        Family(
            "symmetrized_relu",
            range(depth, depth + 1),
            library,
            result,
            ParallelNetwork,
            parallel_network,
            lambda arch, n: symmetrized_size(arch.depth, n),
            lambda arch, kinks: symmetrized_candidates(kinks, arch.depth, arch.activation),
            dictionary=lambda arch, x: symmetrized_dictionary(x, arch.depth, arch.activation),
            max_dense_columns=500_000,
        )
        for depth, library, result in (
            (2, "interval distances", "architecture defined by the book; no reflections at depth 2"),
            (3, "generalized reflections", "v4 Theorem 3.12, architecture defined by the book"),
        )
    ),
    Family(
        "sign",
        range(2, ANY_DEPTH),
        "switching patterns",
        "v4 sign networks: patterns with at most m1·m2·… switches",
        SignNetwork,
        sign_network,
        lambda arch, n: switching_size(n, _switches(arch)),
        lambda arch, kinks: switching_candidates(kinks, _switches(arch)),
        pricing=_sign_pricing,
        closed_form=ClosedForm(
            lambda arch, n: _switches(arch) >= n - 1,
            "every pattern: m1·m2·… ≥ N − 1 (distinct x minus one)",
            _sign_clipping,
        ),
        options=(M1, WIDTHS),
        check_options=_sign_options,
        max_dense_columns=4096,
    ),
)
"""One entry per result of the paper, the registry that :func:`architectures` returns."""
