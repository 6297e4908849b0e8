"""The competence section of the organisation's person page (a summary with a link to the profile)."""

from __future__ import annotations

from typing import Any

from django import template

from compms.evidence.gaps import person_gaps

register = template.Library()


@register.inclusion_tag("evidence/_competence.html")
def competence_section(person: Any, positions: Any = None) -> dict[str, Any]:
    # The person page has already checked that the viewer may see this person. Only the gaps are
    # loaded here (a constant few queries); the full profile with history is one click away.
    if positions is not None and not positions:
        # The page already knows the person holds no position: no role, so nothing to measure.
        return {"gaps": None, "open_gaps": [], "requirements": 0, "person": person}
    gaps = person_gaps(person)
    open_gaps: dict[str, str] = {}
    requirements = 0
    for role in gaps.roles:
        for line in role.requirements:
            requirements += 1
            if line.status != "met":
                open_gaps.setdefault(line.competency, line.status)
    return {"gaps": gaps, "open_gaps": sorted(open_gaps.items()), "requirements": requirements, "person": person}
