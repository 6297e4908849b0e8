"""The requirement profile derived from the DACUM chart, on hand-worked examples.

Role TECH, duty "Maintain pumps":
  task "Replace seals"  needs P at 2 (performance)
  task "Overhaul pump"  needs P at 3 (performance) and K at 2 (knowledge)
Derived profile: P 3 (from both tasks), K 2 (from the overhaul). Both essential until someone says otherwise.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compms.access import SYSTEM
from compms.frameworks import services as dictionary
from compms.organisation import services
from compms.organisation.models import Requirement, TaskCompetency
from compms.organisation.queries import role_profile
from tests.organisation.org_factories import published_dictionary

pytestmark = pytest.mark.django_db


@pytest.fixture
def chart(cast):
    comps = published_dictionary()
    role = services.create_role(cast.competency_manager, external_id="TECH", name="Technician")
    duty = services.add_duty(role, cast.competency_manager, title="Maintain pumps")
    seals = services.add_task(duty, cast.competency_manager, title="Replace seals", frequency="weekly", importance=3)
    overhaul = services.add_task(duty, cast.competency_manager, title="Overhaul pump")
    services.set_task_competency(seals, cast.competency_manager, competency=comps["P"], level=2, standard="performance")
    services.set_task_competency(overhaul, cast.competency_manager, competency=comps["P"], level=3,
                                 standard="performance")
    services.set_task_competency(overhaul, cast.competency_manager, competency=comps["K"], level=2, standard="")
    return {"role": role, "duty": duty, "seals": seals, "overhaul": overhaul, **comps}


def profile(role) -> dict[str, tuple]:
    return {line.competency.code: (line.requirement.level, line.requirement.derived_level, line.requirement.criticality,
                                   line.origin) for line in role_profile(role)}


def test_two_tasks_needing_the_same_competency_at_2_and_3_give_3(chart):
    assert profile(chart["role"]) == {"P": (3, 3, "essential", "tasks"), "K": (2, 2, "essential", "tasks")}
    sources = {line.competency.code: [(s.task_title, s.level) for s in line.sources]
               for line in role_profile(chart["role"])}
    assert sources == {"P": [("Replace seals", 2), ("Overhaul pump", 3)], "K": [("Overhaul pump", 2)]}
    # The standard left empty came from the competency's kind: K is knowledge.
    assert TaskCompetency.objects.get(competency=chart["K"]).standard == "knowledge"


def test_a_line_nobody_changed_follows_its_tasks_up_and_down(chart, cast):
    services.set_task_competency(chart["overhaul"], cast.hr, competency=chart["P"], level=4, standard="performance")
    assert profile(chart["role"])["P"][:2] == (4, 4)
    services.set_task_competency(chart["overhaul"], cast.hr, competency=chart["P"], level=1, standard="performance")
    assert profile(chart["role"])["P"][:2] == (2, 2)  # the seals task still needs 2


def test_a_manual_override_is_kept_when_a_task_changes(chart, cast):
    services.set_requirement(chart["role"], cast.competency_manager, competency=chart["P"], level=4,
                             criticality="desirable", note="site policy")
    services.set_task_competency(chart["overhaul"], cast.hr, competency=chart["P"], level=2, standard="performance")

    line = Requirement.objects.get(role=chart["role"], competency_uuid=chart["P"].uuid)
    assert (line.level, line.derived_level, line.criticality, line.manual) == (4, 2, "desirable", True)
    assert line.changed_by == cast.competency_manager and line.note == "site policy"
    assert profile(chart["role"])["P"][3] == "adjusted"


def test_a_removed_task_drops_its_non_manual_line_but_not_a_manual_one(chart, cast):
    services.set_requirement(chart["role"], cast.hr, competency=chart["P"], level=3, criticality="essential")
    services.delete_task(chart["overhaul"], cast.hr)
    assert profile(chart["role"]) == {"P": (3, 2, "essential", "adjusted")}  # K went with the overhaul task

    services.delete_task(chart["seals"], cast.hr)
    assert profile(chart["role"]) == {"P": (3, None, "essential", "manual")}


def test_removing_a_competency_from_a_task_drops_the_line_only_when_no_task_needs_it(chart, cast):
    link = TaskCompetency.objects.get(task=chart["seals"], competency=chart["P"])
    services.remove_task_competency(link, cast.hr)
    assert profile(chart["role"])["P"][:2] == (3, 3)
    services.remove_task_competency(TaskCompetency.objects.get(task=chart["overhaul"], competency=chart["P"]), cast.hr)
    assert "P" not in profile(chart["role"])


def test_reset_undoes_a_manual_change(chart, cast):
    line = services.set_requirement(chart["role"], cast.hr, competency=chart["P"], level=5, criticality="essential")
    services.reset_requirement_to_derived(line, cast.hr)
    line.refresh_from_db()
    assert (line.level, line.manual, line.changed_by) == (3, False, None)


def test_a_line_the_tasks_need_cannot_simply_be_removed(chart, cast):
    line = Requirement.objects.get(role=chart["role"], competency_uuid=chart["K"].uuid)
    with pytest.raises(ValidationError):
        services.remove_requirement(line, cast.hr)
    assert Requirement.objects.filter(pk=line.pk).exists()


def test_a_hand_set_line_may_name_a_competency_of_another_published_framework(chart, cast):
    other = published_dictionary("SAFE")
    services.set_requirement(chart["role"], cast.hr, competency=other["B"], level=1, criticality="desirable")
    assert profile(chart["role"])["B"] == (1, None, "desirable", "manual")
    services.remove_requirement(Requirement.objects.get(competency=other["B"]), cast.hr)
    assert "B" not in profile(chart["role"])


def test_levels_beyond_the_scale_and_draft_competencies_are_refused(chart, cast):
    for level in (6, 0):
        with pytest.raises(ValidationError) as refused:
            services.set_task_competency(chart["seals"], cast.hr, competency=chart["K"], level=level,
                                         standard="knowledge")
        assert "level" in refused.value.message_dict
    draft = dictionary.new_version(chart["P"].version.framework, SYSTEM)
    draft_p = draft.competencies.get(code="P")
    with pytest.raises(ValidationError) as refused:
        services.set_requirement(chart["role"], cast.hr, competency=draft_p, level=2, criticality="essential")
    assert "competency" in refused.value.message_dict
    assert TaskCompetency.objects.count() == 3 and Requirement.objects.count() == 2


def test_the_same_competency_in_a_newer_version_is_the_same_line(chart, cast):
    draft = dictionary.new_version(chart["P"].version.framework, SYSTEM)
    dictionary.publish(draft, SYSTEM)
    newer_p = draft.competencies.get(code="P")
    services.set_task_competency(chart["seals"], cast.hr, competency=newer_p, level=4, standard="performance")
    assert TaskCompetency.objects.filter(task=chart["seals"]).count() == 1  # updated, not repeated
    lines = Requirement.objects.filter(role=chart["role"], competency_uuid=chart["P"].uuid)
    assert [(line.level, line.competency_id) for line in lines] == [(4, newer_p.pk)]


def test_only_hr_competency_managers_and_administrators_edit_roles(chart, cast):
    for who in ("employee", "manager", "assessor", "outsider"):
        with pytest.raises(PermissionDenied):
            services.add_duty(chart["role"], cast.users[who], title=f"Duty of {who}")
        with pytest.raises(PermissionDenied):
            services.set_requirement(chart["role"], cast.users[who], competency=chart["B"], level=1,
                                     criticality="essential")
    assert chart["role"].duties.count() == 1 and Requirement.objects.count() == 2
