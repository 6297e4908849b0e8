"""The evidence tests' small organisation (Mo manages Kim and Lee; Olu outside; Ava assesses; Hana HR)."""

from tests.evidence.conftest import add, on_day, org  # noqa: F401  (fixtures re-used as they are)
