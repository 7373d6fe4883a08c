r"""Threshold (0/1 step) networks: the switching library on the levels $\{0, 1\}$.

**Source.** The latest version of the paper (v4) reports that sign and threshold activations
yield dictionaries without reflection features; we could not find its statement or proof, so
the definitions and the derivation below are ours.

**Units.** A threshold neuron outputs $\mathbb 1\{t \ge 0\} \in \{0, 1\}$. A unit is
$a\,s\,g(x)$ with $g$ a tree of threshold neurons of the widths of
:mod:`lmirrors.libraries.switching` (or the last hidden layer of a rectangular network,
:mod:`lmirrors.libraries.rectangular`). As for sign units, the inner weights are scale-free
($\mathbb 1\{ct \ge 0\} = \mathbb 1\{t \ge 0\}$ for $c > 0$): penalising them would change
nothing but attainment (shrinking them lowers the penalty towards zero without changing a
single output), so only the output weight $a$ and amplitude $s$ are penalised,
$\tfrac\beta2(a^2 + s^2) \ge \beta|as|$, and training is the Lasso over the patterns $g(X)$.

**The patterns.** $\mathbb 1\{t \ge 0\} = (1 + \operatorname{sign} t)/2$, and an affine map of
$\{0, 1\}$-valued inputs is an affine map of the $\{\pm1\}$-valued ones
($\sum_i v_i g_i + c = \sum_i \tfrac{v_i}2 h_i + c + \sum_i \tfrac{v_i}2$ with $g_i = (1 + h_i)/2$),
so by induction over the layers a threshold unit produces exactly the patterns $(1 + h)/2$
of the sign units $h$ of the same architecture: patterns with at most $K = m_1 \cdots m_{L-2}$
switches (trees). A threshold sits anywhere in a gap between consecutive data points and gives
the same column wherever it sits, so a reflected point $2x_j - x_i$ can never produce a new
column: the library has no reflections.

**The relation to sign networks.** With $A_{\rm thr} = (\mathbf 1\mathbf 1^\top + A_{\rm sign})/2$,

$$ \tfrac12\|A_{\rm sign} z + \xi\mathbf 1 - y\|^2 + 2\beta\|z\|_1
   = \tfrac12\|A_{\rm thr}(2z) + (\xi - \textstyle\sum_j z_j)\mathbf 1 - y\|^2 + \beta\|2z\|_1, $$

so the threshold Lasso at $\beta$ *is* the sign Lasso at $2\beta$: same optimal value, same fitted
function, $z_{\rm thr} = 2z_{\rm sign}$, $\xi_{\rm thr} = \xi_{\rm sign} - \sum_j z_{{\rm sign},j}$.
A threshold unit jumps by $|z|$ where a sign unit jumps by $2|z|$, hence the factor. The
minimum-norm cost with every pattern is $\max y - \min y$ (sign: half of it), and the optimum
with every pattern clips each tail of the labels by a mass $\beta$ (sign: $\beta/2$).
"""

from __future__ import annotations

import numpy as np


def sign_beta(beta: float, low: float) -> float:
    r"""The $\beta$ of the sign network equivalent to a step network with levels
    $\{\text{low}, 1\}$ at ``beta``: $2\beta/(1 - \text{low})$ ($2\beta$ for threshold units)."""
    return 2.0 * beta / (1.0 - low)


def from_sign_objective(value: float, beta: float, low: float) -> float:
    r"""An objective (or duality gap) of the sign problem at :func:`sign_beta` as one of the step
    network with levels $\{\text{low}, 1\}$ at ``beta``: the same for $\beta > 0$; for the
    minimum norm ($\beta = 0$, the objective is $\|z\|_1$) multiplied by $2/(1 - \text{low})$."""
    return value if beta > 0 else value * 2.0 / (1.0 - low)


def from_sign_coefficients(z: np.ndarray, xi: float, low: float) -> tuple[np.ndarray, float]:
    r"""The coefficients $(z, \xi)$ of a sign-Lasso solution at :func:`sign_beta` rewritten for its
    patterns on the levels $\{\text{low}, 1\}$ (:func:`step_values`).

    With $q = c + d h$, $d = (1 - \text{low})/2$, $c = (1 + \text{low})/2$:
    $\xi + \sum_j z_j h_j = (\xi - \tfrac cd\sum_j z_j) + \sum_j \tfrac{z_j}d\, q_j$.
    Returns the coefficients $z/d$ and the new $\xi$ (threshold: $2z$, $\xi - \sum_j z_j$).
    """
    d, c = (1.0 - low) / 2.0, (1.0 + low) / 2.0
    if low == -1.0:  # sign units: nothing to rewrite
        return np.asarray(z, dtype=float), float(xi)
    z = np.asarray(z, dtype=float)
    return z / d, float(xi - c / d * z.sum())
