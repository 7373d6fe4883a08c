"""The paper's feature libraries, one module per result, dense and matrix-free side by side.

========================  ==========================================  =========================
module                    networks                                    paper (v4)
========================  ==========================================  =========================
:mod:`.ramps`             two layers, ReLU / leaky ReLU / abs          two-layer theorem
:mod:`.capped_ramps`      deep narrow ReLU, any depth >= 3             Lemma 3.8, Theorem 3.7
:mod:`.leaky_chains`      deep narrow leaky ReLU, depths 3-4           Theorem 3.7
:mod:`.reflections`       deep narrow absolute value, depths 3-5       Theorem 3.2
:mod:`.symmetrized`       symmetrized ReLU (our definition), 2-3       Theorem 3.12
:mod:`.switching`         sign networks (trees), any depth             sign networks
:mod:`.thresholds`        threshold (0/1 step) networks, any depth     threshold (ours)
:mod:`.rectangular`       rectangular sign / threshold, depth >= 3     rectangular (ours)
:mod:`.planar`            two layers on 2-D data, ReLU / abs           ours; Thm C.3 not found
========================  ==========================================  =========================

:mod:`.library` holds what they share: the :class:`~lmirrors.libraries.library.Library` on
data and the merging of duplicate columns; :mod:`.features` the normalised narrow unit.
"""
