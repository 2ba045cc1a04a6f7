"""Package data: the default rules of the cycle, the rubric and holiday arrangements."""
