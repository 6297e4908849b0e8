"""Pure computation for CompMS: rollup, gaps, fit. Plain Python + numpy; never import Django here."""
