"""Demo succession data: key positions, nominations, an override, talent pools, ratings and goals.

`build_succession_demo(seed, progress)` runs after the organisation (and evidence, if any) exist, inside
the demo's transaction; it uses the services with the system actor (`compms.access.SYSTEM`), so audit rows are
written as for any other change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from compms.access import SYSTEM
from compms.organisation.models import Person, Position
from compms.succession import services
from compms.succession.models import KeyPosition

KEY_POSITIONS = 12
POOL_SIZE = 15
RATED_PEOPLE = 120


def build_succession_demo(seed: int = 1, progress: Callable[[str], None] = print) -> list[str]:
    from compms.evidence.proficiency import today

    rng = np.random.default_rng(seed)
    if KeyPosition.objects.exists():
        return ["succession: already built"]
    progress("Building succession plans…")
    # Key positions: filled seats of the roles with the most requirement lines (senior, specialised jobs),
    # one per role, so the chart shows a spread of roles and units.
    seats = list(Position.objects.filter(holder__isnull=False, holder__active=True)
                 .select_related("role", "unit", "holder").order_by("role_id", "external_id"))
    by_role: dict[int, Position] = {}
    for seat in seats:
        by_role.setdefault(seat.role_id, seat)
    chosen = sorted(by_role.values(), key=lambda s: (-s.role.requirements.count(), s.external_id))[:KEY_POSITIONS]
    levels = ["low", "medium", "high"]
    keys = [services.mark_key_position(SYSTEM, position=seat, risk_of_loss=levels[int(rng.integers(0, 3))],
                                       impact=levels[int(rng.integers(1, 3))]) for seat in chosen]

    # Nominations: a direct report of the holder where there is one, else someone in the unit.
    nominated = 0
    for key in keys:
        holder = key.position.holder
        candidate = (Person.objects.filter(manager=holder, active=True).order_by("employee_id").first()
                     or Person.objects.filter(unit=key.unit, active=True).exclude(pk=holder.pk)
                     .order_by("employee_id").first())
        if candidate is not None:
            services.nominate(key, SYSTEM, person=candidate, note="Named in the annual talent review")
            nominated += 1
            if nominated == 1:
                services.override_readiness(key, SYSTEM, person=candidate, readiness="ready_1_2_years",
                                            reason="Strong record, but has not yet led a shutdown",
                                            computed="ready_3_plus_years")

    # Talent pools per role family, and 9-box ratings with a little history and one calibration.
    people = list(Person.objects.filter(active=True).order_by("employee_id").values_list("pk", flat=True))
    picked = rng.choice(len(people), size=min(RATED_PEOPLE, len(people)), replace=False) if people else []
    rated = Person.objects.in_bulk([people[i] for i in picked])
    on = today()
    for i, person in enumerate(rated.values()):
        services.rate(SYSTEM, person=person, performance=int(rng.integers(1, 4)), potential=int(rng.integers(1, 4)),
                      rated_on=on - dt.timedelta(days=400))
        services.rate(SYSTEM, person=person, performance=int(rng.integers(1, 4)), potential=int(rng.integers(1, 4)),
                      rated_on=on - dt.timedelta(days=35))
        if i == 0:
            services.calibrate(SYSTEM, person=person, performance=3, potential=3,
                               reason="Calibration panel: led the plant restart")
    families = sorted({key.role.family for key in keys if key.role.family})[:3]
    pools = 0
    rated_people = list(rated.values())
    for f, family in enumerate(families):
        pool = services.create_pool(SYSTEM, name=f"{family} leaders of tomorrow", role_family=family,
                                    description=f"People being developed for {family} roles")
        for person in rated_people[f * POOL_SIZE:(f + 1) * POOL_SIZE]:
            services.add_to_pool(pool, SYSTEM, person=person)
        pools += 1

    # Goals for the demo employee (the log-in "employee" if linked), so their page has some.
    goals = 0
    me = Person.objects.filter(user__username="employee").first()
    if me is not None:
        from compms.evidence.models import CurrentProficiency
        from compms.frameworks.models import Competency

        held = CurrentProficiency.objects.filter(person=me, status="held").order_by("-level").first()
        competency = (Competency.objects.filter(uuid=held.competency_uuid).select_related("version__framework")
                      .order_by("-version__number").first() if held else None)
        if competency is None:
            competency = Competency.objects.filter(version__status="published").select_related(
                "version__framework").order_by("id").first()
        if competency is not None:
            services.set_goal(SYSTEM, person=me, competency=competency,
                              target_level=min((held.level if held else 0) + 1, 5),
                              target_date=on + dt.timedelta(days=270), note="Agreed in my development talk")
            goals = 1
    return [f"succession: {len(keys)} key positions, {nominated} nominations (1 with a readiness override), "
            f"{len(rated)} people rated on the 9-box (with history, 1 calibration), {pools} talent pools, "
            f"{goals} goal"]
