"""`veil batch` and `veil bench batch`: the de-identification pipeline over folders on Dask."""
