from tests.evidence.conftest import add, on_day, org  # noqa: F401  (the evidence tests' small organisation)
