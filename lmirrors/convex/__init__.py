r"""The convex side, free of feature code: the Lasso
$\min_{z,\xi}\tfrac12\|Az + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1$ with its certificates
(:mod:`~lmirrors.convex.lasso`), its exact solution path (:mod:`~lmirrors.convex.homotopy`), the exact working-set solver
(:mod:`~lmirrors.convex.working_set`), column generation over a pricing oracle
(:mod:`~lmirrors.convex.column_generation`) and matrix-free dictionaries
(:mod:`~lmirrors.convex.dictionary`)."""
