"""Caps the thread pools of a worker process (BLAS/OpenMP and TensorFlow), so N workers use about N cores.

Used by every Dask fan-out (training many heads, batch de-identification): the environment
caps pools that start later, threadpoolctl caps BLAS pools already loaded, and TensorFlow is
capped before its first op.
"""

from __future__ import annotations

import os
from typing import Any

THREAD_ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                   "NUMEXPR_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def thread_env(threads: int) -> dict[str, str]:
    """Environment that caps every thread pool a worker starts; also quiets TensorFlow's C++ start-up lines."""
    env = {name: str(threads) for name in THREAD_ENV_VARS}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return env


def limit_threads(threads: int) -> dict[str, Any]:
    """Caps this process's pools at run time too (a remote worker started without the variables)."""
    os.environ.update(thread_env(threads))
    applied: dict[str, Any] = {"threads": threads}
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads)
        applied["blas"] = threads
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass
    return applied


def limit_tensorflow_threads(threads: int) -> int:
    """Caps TensorFlow's intra- and inter-op pools; returns the intra-op size in force."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # TensorFlow already ran in this process; its pools keep their first size
    return tf.config.threading.get_intra_op_parallelism_threads()
