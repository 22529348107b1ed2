"""``python -m benchmarks``: see :mod:`benchmarks`."""
import os

# One thread for every library, before numpy, BLAS or any peer is imported.
for _key in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
             "RAYON_NUM_THREADS", "QISKIT_NUM_THREADS"):
    os.environ[_key] = "1"

import sys  # noqa: E402

from benchmarks.suite import main  # noqa: E402

sys.exit(main())
