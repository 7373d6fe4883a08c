r"""Compiled loops of the 4-layer absolute-value pricing (:mod:`~lmirrors.libraries.mirror_pricing`).

A unit $f_a(x) = \sum_{j=1}^7 \sigma_j |x - \kappa_j| - (a_2 + a_3)$ correlates with $r$ as
$\sum_j \sigma_j \Phi(\kappa_j) - (a_2 + a_3)\sum_m r_m$, $\Phi(t) = \sum_m r_m |x_m - t|$;
``unit_values`` evaluates that for pinnings and ``box_bounds`` bounds it over boxes of
them, one loop each (numba), so no per-box temporaries are allocated. Every kernel reads the
pinning types' form rows (``DeepMirrorDictionary.type_rows`` of
:mod:`~lmirrors.libraries.mirror_pricing`: the seven kink forms and $a_2 + a_3$ in the pinned points), the sorted centred
points and the prefix sums $c_0$, $c_1$ of $r$ and of $r x$ with their totals.
"""

import numpy as np
from numba import njit

SIGNS = np.array([-1.0, 1.0, 1.0, -1.0, -1.0, 1.0, 1.0])
r"""$\sigma_j$ of the seven kinks $\kappa_j$."""


@njit(cache=True, inline="always")
def _max(alo, ahi, aform, blo, bhi, bform):
    """Interval of $\\max(a, b)$ for $a \\in [alo, ahi]$, $b \\in [blo, bhi]$, and the form it
    equals on the whole box (-1: it changes)."""
    form = aform if alo >= bhi else (bform if blo >= ahi else -1)
    return max(alo, blo), max(ahi, bhi), form


@njit(cache=True, inline="always")
def _min(alo, ahi, aform, blo, bhi, bform):
    """As :func:`_max` for $\\min(a, b)$."""
    form = aform if ahi <= blo else (bform if bhi <= alo else -1)
    return min(alo, blo), min(ahi, bhi), form


@njit(cache=True)
def kinks(flo, fhi, klo, khi, kform):
    r"""Intervals of the seven kinks $\kappa_j$ when form ``f`` (numbered as in
    :func:`~lmirrors.libraries.reflections.kink_forms`: $a_1$, $a_1 \pm a_2$, then
    $a_1 + a_2 \pm a_3$, $a_1 - a_2 \pm a_3$) lies in ``[flo[f], fhi[f]]`` (max and min are
    monotone), and per kink the form it equals on the whole box (-1: it changes). As in
    :mod:`~lmirrors.libraries.mirror_pricing`,

    $$ \kappa_1 = f_0, \quad \kappa_2 = \max(f_0, \min(f_4, f_1)), \quad \kappa_3 = \min(f_0, \max(f_5, f_2)), $$

    $$ \kappa_4 = \max(f_0, f_1), \quad \kappa_5 = \min(f_0, f_2), $$

    $$ \kappa_6 = \max(f_0, f_3, f_1), \quad \kappa_7 = \min(f_0, f_6, f_2). $$

    With ``flo = fhi`` these are the kinks of one unit."""
    klo[0], khi[0], kform[0] = flo[0], fhi[0], 0
    lo, hi, form = _min(flo[4], fhi[4], 4, flo[1], fhi[1], 1)
    klo[1], khi[1], kform[1] = _max(flo[0], fhi[0], 0, lo, hi, form)
    lo, hi, form = _max(flo[5], fhi[5], 5, flo[2], fhi[2], 2)
    klo[2], khi[2], kform[2] = _min(flo[0], fhi[0], 0, lo, hi, form)
    klo[3], khi[3], kform[3] = _max(flo[0], fhi[0], 0, flo[1], fhi[1], 1)
    klo[4], khi[4], kform[4] = _min(flo[0], fhi[0], 0, flo[2], fhi[2], 2)
    lo, hi, form = _max(flo[3], fhi[3], 3, flo[1], fhi[1], 1)
    klo[5], khi[5], kform[5] = _max(flo[0], fhi[0], 0, lo, hi, form)
    lo, hi, form = _min(flo[6], fhi[6], 6, flo[2], fhi[2], 2)
    klo[6], khi[6], kform[6] = _min(flo[0], fhi[0], 0, lo, hi, form)


@njit(cache=True, inline="always")
def phi(t, k, c0, c1, total0, total1):
    r"""$\Phi(t)$ from the prefix sums, ``k`` the number of points $\le t$."""
    return (total1 - 2.0 * c1[k]) - t * (total0 - 2.0 * c0[k])


@njit(cache=True)
def unit_values(kind, pins, rows, ps, c0, c1, total0, total1, out):
    r"""``out[m]`` $= a^\top r = \sum_j \sigma_j \Phi(\kappa_j) - (a_2 + a_3)\sum_m r_m$ of pinning ``m``
    (type ``kind[m]``, pinned point indices ``pins[m]``): seven binary searches."""
    f = np.empty(8)
    k = np.empty(7)
    unused = np.empty(7, dtype=np.int64)
    for m in range(kind.size):
        coef = rows[kind[m]]
        for i in range(8):
            f[i] = coef[i, 0] * ps[pins[m, 0]] + coef[i, 1] * ps[pins[m, 1]] + coef[i, 2] * ps[pins[m, 2]]
        kinks(f, f, k, k, unused)
        total = -f[7] * total0
        for j in range(7):
            total += SIGNS[j] * phi(k[j], np.searchsorted(ps, k[j], side="right"), c0, c1, total0, total1)
        out[m] = total


@njit(cache=True)
def box_bounds(kind, lo, hi, rows, ps, c0, c1, total0, total1, high, low, chord_points, out):
    r"""``out[m]``: an upper bound of $|a^\top r|$ over the box of index tuples from ``lo[m]`` to ``hi[m]``
    (inclusive) of type ``kind[m]``.

    Each form, linear in the pinned points, ranges over an interval (extreme at the box's
    corners), so kink $j$ does too, $[l_j, h_j]$. If at most ``chord_points`` data points lie
    inside and the kink equals one form on the whole box, $\Phi$ is its chord there up to the
    (signed) deviations at those points, and the chord term is linear in the pinned points: the
    sum of those terms is bounded jointly, at the box's corners (the kinks move together, so
    their slopes largely cancel). Every other kink is bounded on its own by $\Phi$'s extrema on
    its interval: at its ends or at a data point inside (``high``, ``low``: sparse tables of
    $\Phi$ at the points, rows of windows of $2^k$ points).
    """
    flo, fhi = np.empty(7), np.empty(7)
    klo, khi = np.empty(7), np.empty(7)
    kform = np.empty(7, dtype=np.int64)
    plo, phh, w = np.empty(3), np.empty(3), np.empty(3)
    at = high[0]
    for m in range(kind.size):
        coef = rows[kind[m]]
        for c in range(3):
            plo[c], phh[c] = ps[lo[m, c]], ps[hi[m, c]]
        for i in range(7):
            a = b = 0.0
            for c in range(3):
                if coef[i, c] > 0:
                    a += coef[i, c] * plo[c]
                    b += coef[i, c] * phh[c]
                else:
                    a += coef[i, c] * phh[c]
                    b += coef[i, c] * plo[c]
            flo[i], fhi[i] = a, b
        kinks(flo, fhi, klo, khi, kform)
        for c in range(3):
            w[c] = -total0 * coef[7, c]  # -(a_2 + a_3) sum(r)
        const = rest_hi = rest_lo = 0.0
        for j in range(7):
            a, b = klo[j], khi[j]
            first = np.searchsorted(ps, a, side="right")
            last = np.searchsorted(ps, b, side="right")
            end_lo, end_hi = phi(a, first, c0, c1, total0, total1), phi(b, last, c0, c1, total0, total1)
            stop = last - 1 if last > 0 and ps[last - 1] == b else last  # the points strictly inside
            sign = SIGNS[j]
            if kform[j] >= 0 and stop - first <= chord_points:
                slope = (end_hi - end_lo) / (b - a) if b > a else 0.0
                dev_lo = dev_hi = 0.0
                for q in range(first, stop):
                    deviation = at[q] - end_lo - slope * (ps[q] - a)
                    dev_lo, dev_hi = min(dev_lo, deviation), max(dev_hi, deviation)
                # sigma_j chord_j(kappa_j) = sigma_j Phi(a) + sigma_j slope (kappa_j - a), kappa_j a form
                for c in range(3):
                    w[c] += sign * slope * coef[kform[j], c]
                const += sign * (end_lo - slope * a)
                top, bottom = dev_hi, dev_lo
            else:
                top, bottom = max(end_lo, end_hi), min(end_lo, end_hi)
                if stop > first:
                    level = 0  # floor(log2(stop - first)): two windows of 2**level cover the points
                    while (2 << level) <= stop - first:
                        level += 1
                    top = max(top, high[level, first], high[level, stop - (1 << level)])
                    bottom = min(bottom, low[level, first], low[level, stop - (1 << level)])
            if sign > 0:
                rest_hi += top
                rest_lo += bottom
            else:
                rest_hi -= bottom
                rest_lo -= top
        upper, lower = const + rest_hi, const + rest_lo
        for c in range(3):
            upper += max(w[c] * plo[c], w[c] * phh[c])
            lower += min(w[c] * plo[c], w[c] * phh[c])
        out[m] = max(upper, -lower)
