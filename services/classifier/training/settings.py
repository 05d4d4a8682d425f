"""Settings of the training pipeline: where the rows, the artifacts and the ML models live, and how hard to work."""

from __future__ import annotations

from veil.config import Setting, declare, positive_int

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/veil"
DEFAULT_REGION = "local"
DEFAULT_EMBED_BATCH = 512
DEFAULT_WORKER_THREADS = 1



def postgres_url(raw: str) -> str:
    """Training rows live in PostgreSQL only (the SQLite default of the services does not apply)."""
    if not raw.startswith(("postgresql://", "postgres://")):
        raise ValueError("expected postgresql://user@host:port/database")
    return raw


SETTINGS = declare(
    "training",
    Setting("VEIL_TRAINING_DATABASE_URL", DEFAULT_DATABASE_URL, postgres_url,
            "PostgreSQL database holding the training_rows table. `veil data seed` creates the database "
            "and the table when they are missing.", secret=True),
    Setting("VEIL_TRAINING_ARTIFACTS", "", str,
            "Root of the versioned training artifacts (<root>/<region>/<model>/<version>/). "
            "Default: <VEIL_HOME>/training. Put it on durable storage: it is what makes a version reproducible."),
    Setting("VEIL_TRAINING_REGION", DEFAULT_REGION, str,
            "The <region> level of the artifact layout, e.g. the AWS region the heads are deployed to."),
    Setting("VEIL_TRAINING_EMBED_BATCH", DEFAULT_EMBED_BATCH, positive_int,
            "Texts per Embed call while fetching training embeddings. Larger batches keep the embedder "
            "busy; lower it if the embedder answers RESOURCE_EXHAUSTED or times out."),
    Setting("VEIL_TRAINING_WORKER_THREADS", DEFAULT_WORKER_THREADS, positive_int,
            "BLAS and TensorFlow threads per Dask worker in `veil train --all`. Keep "
            "workers x threads <= cores, or the workers oversubscribe the CPU and all get slower."),
    Setting("VEIL_ML_MODELS", "", str,
            "Root of the scikit-learn models that hybrid search uses (<root>/<name>/<version>/model.joblib). "
            "Default: <VEIL_HOME>/ml-models."),
)
