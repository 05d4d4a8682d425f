"""Batch de-identification of a folder (or manifest) of PDFs on a Dask cluster, resumable by content hash."""
