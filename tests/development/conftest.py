"""Reuses the evidence tests' small organisation: framework OPS (P, Q on a 0-5 scale), Mo managing Kim
(log-in employee) and Lee, Olu outside the team, role Technician (P essential 3, Q desirable 2)."""

from tests.evidence.conftest import add, on_day, org  # noqa: F401
