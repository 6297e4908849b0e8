"""Pure computation for CompMS: rollup, gaps, fit.

Plain Python + numpy; never import Django here, so it is testable without a database.
"""
