"""Package data: the sample county (青岚县) used by `bash scripts/run` and `anquan simulate`."""
