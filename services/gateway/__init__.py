"""The gateway: the public API, de-identification jobs and the pipeline that runs them."""
