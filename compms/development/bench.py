"""A generated learning catalogue for measuring the optimiser on the demo organisation.

`generate_resources(500)` creates resources BENCH-0001.. over the competencies the demo's roles
require: each develops one to three of them from a random entry level to a higher exit level within
the competency's scale, with a cost and hours that grow with the levels it covers. Deterministic for
a seed, and written through the same bulk service as `compms import resources`.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db.models import Max

from compms.access import SYSTEM
from compms.development import services
from compms.development.models import Resource
from compms.frameworks.models import Competency, ScaleLevel
from compms.organisation.models import Requirement

KINDS = [kind for kind in Resource.Kind.values]


def generate_resources(count: int = 500, seed: int = 7) -> int:
    rng = random.Random(seed)
    required_ids = sorted(set(Requirement.objects.values_list("competency_id", flat=True)))
    competencies = list(Competency.objects.filter(pk__in=required_ids).select_related("version"))
    if not competencies:
        raise ValueError("no required competencies: build the demo first (compms demo)")
    scale_top = dict(ScaleLevel.objects.values("scale_id").annotate(top=Max("value")).values_list("scale_id", "top"))
    resources: list[Resource] = []
    outcomes: dict[str, list[services.OutcomeSpec]] = {}
    for n in range(1, count + 1):
        code = f"BENCH-{n:04d}"
        picks = rng.sample(competencies, k=min(len(competencies), rng.choice([1, 1, 2, 3])))
        specs = []
        for competency in picks:
            top = scale_top.get(competency.scale_id or competency.version.default_scale_id) or 5
            entry = rng.randint(0, max(0, top - 2))
            specs.append(services.OutcomeSpec(competency, entry, rng.randint(entry + 1, top)))
        span = sum(s.exit_level - s.entry_level for s in specs)
        kind = rng.choice(KINDS)
        hours = Decimal(rng.choice([2, 4, 8, 16, 24, 40])) * (1 if kind in ("reading", "e-learning") else 2)
        cost = Decimal(rng.randint(2, 20) * 50 * span) if kind not in ("on-the-job", "reading") else Decimal(
            rng.randint(0, 4) * 25)
        resources.append(Resource(resource_id=code, title=f"Bench resource {n}", kind=kind, cost=cost, hours=hours,
                                  provider="Bench", modality=rng.choice(["classroom", "online", "blended"])))
        outcomes[code] = specs
    created, updated = services.import_resources(SYSTEM, resources, outcomes)
    return created + updated
