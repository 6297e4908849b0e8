"""Units, people, moves and positions through the services: paths, history, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compms.access import SYSTEM
from compms.audit.models import AuditEntry
from compms.organisation import services
from compms.organisation.models import Person, PersonMove, Position, Unit
from tests.organisation.org_factories import build_org

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 1)


def test_unit_paths_run_from_the_root_and_a_move_repaths_the_whole_subtree(cast):
    org = build_org(cast)
    hq, ops, plant, fin = (org.units[k] for k in ("HQ", "OPS", "PLANT", "FIN"))
    plant.refresh_from_db()
    assert plant.path == f"/{hq.pk}/{ops.pk}/{plant.pk}/" and plant.depth == 2

    services.update_unit(ops, cast.hr, parent=fin)

    plant.refresh_from_db()
    ops.refresh_from_db()
    assert ops.path == f"/{hq.pk}/{fin.pk}/{ops.pk}/" and ops.depth == 2
    assert plant.path == f"/{hq.pk}/{fin.pk}/{ops.pk}/{plant.pk}/" and plant.depth == 3
    assert set(Unit.objects.filter(path__startswith=fin.path).values_list("external_id", flat=True)) == {
        "FIN", "OPS", "PLANT"}

    services.update_unit(ops, cast.hr, parent=None)
    plant.refresh_from_db()
    assert plant.path == f"/{ops.pk}/{plant.pk}/" and plant.depth == 1


def test_a_unit_cannot_move_under_its_own_descendant(cast):
    org = build_org(cast)
    with pytest.raises(ValidationError) as refused:
        services.update_unit(org.units["OPS"], cast.hr, parent=org.units["PLANT"])
    assert "parent" in refused.value.message_dict
    assert Unit.objects.get(external_id="OPS").parent_id == org.units["HQ"].pk


def test_only_hr_and_administrators_change_the_organisation(cast):
    for who in ("employee", "manager", "competency_manager", "assessor"):
        with pytest.raises(PermissionDenied):
            services.create_unit(cast.users[who], external_id=f"X-{who}", name="X")
    assert not Unit.objects.filter(external_id__startswith="X-").exists()
    services.create_unit(cast.administrator, external_id="X-admin", name="X")
    services.create_unit(cast.hr, external_id="X-hr", name="X")
    assert Unit.objects.filter(external_id__startswith="X-").count() == 2


def test_manager_path_lists_the_chain_and_a_manager_change_repaths_indirect_reports(cast):
    org = build_org(cast)
    hana, mia, theo, emil, olga = (org.people[n] for n in ("Hana", "Mia", "Theo", "Emil", "Olga"))
    emil.refresh_from_db()
    assert emil.manager_path == f"/{hana.pk}/{mia.pk}/{theo.pk}/"

    services.move_person(theo, cast.hr, effective_on=DAY, manager=olga)

    emil.refresh_from_db()
    assert emil.manager_path == f"/{hana.pk}/{olga.pk}/{theo.pk}/"
    # Mia lost Theo's whole team; Olga gained it.
    assert set(Person.objects.filter(manager_path__contains=f"/{mia.pk}/").values_list("name", flat=True)) == set()
    assert set(Person.objects.filter(manager_path__contains=f"/{olga.pk}/").values_list("name", flat=True)) == {
        "Theo", "Emil", "Ida"}
    move = PersonMove.objects.get(person=theo, kind=PersonMove.Kind.MANAGER)
    assert (move.effective_on, move.from_value, move.to_value) == (DAY, "Mia (E-MIA)", "Olga (E-OLGA)")
    assert move.recorded_by == cast.hr


def test_moves_are_kept_as_history_not_overwritten(cast):
    org = build_org(cast)
    ida = org.people["Ida"]
    services.move_person(ida, cast.hr, effective_on=dt.date(2026, 1, 1), unit=org.units["FIN"])
    services.move_person(ida, cast.hr, effective_on=dt.date(2026, 2, 1), unit=org.units["OPS"])
    history = list(PersonMove.objects.filter(person=ida, kind=PersonMove.Kind.UNIT)
                   .order_by("effective_on").values_list("from_value", "to_value"))
    assert history == [("Plant A (PLANT)", "Finance (FIN)"), ("Finance (FIN)", "Operations (OPS)")]
    assert PersonMove.objects.filter(person=ida, kind=PersonMove.Kind.JOINED).count() == 1


def test_a_manager_cannot_be_moved_under_their_own_report(cast):
    org = build_org(cast)
    mia, emil = org.people["Mia"], org.people["Emil"]
    with pytest.raises(ValidationError) as refused:
        services.move_person(mia, cast.hr, effective_on=DAY, manager=emil)
    assert "manager" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.move_person(mia, cast.hr, effective_on=DAY, manager=mia)
    mia.refresh_from_db()
    assert mia.manager == org.people["Hana"]
    assert not PersonMove.objects.filter(kind=PersonMove.Kind.MANAGER).exists()


def test_positions_are_filled_vacated_and_given_up_by_leavers_with_history(cast):
    from compms.organisation.models import Role

    org = build_org(cast)
    role = services.create_role(SYSTEM, external_id="TECH", name="Technician")
    seat = services.create_position(cast.hr, role=role, unit=org.units["PLANT"])
    assert seat.external_id.startswith("POS-") and seat.holder is None

    services.assign_position(seat, cast.hr, person=org.people["Emil"], start_date=dt.date(2026, 1, 5))
    assert services.roles_of(org.people["Emil"]) == [Role.objects.get(external_id="TECH")]
    with pytest.raises(ValidationError):  # filled: the holder has to go first
        services.assign_position(seat, cast.hr, person=org.people["Ida"], start_date=DAY)

    services.mark_left(org.people["Emil"], cast.hr, left_on=DAY)

    seat.refresh_from_db()
    emil = Person.objects.get(employee_id="E-EMIL")
    assert seat.holder is None and not emil.active and emil.left_on == DAY
    kinds = list(PersonMove.objects.filter(person=emil).order_by("id").values_list("kind", flat=True))
    assert kinds == ["joined", "position_start", "position_end", "left"]
    assert services.roles_of(emil) == []
    with pytest.raises(ValidationError):
        services.mark_left(emil, cast.hr, left_on=DAY)


def test_every_change_leaves_an_audit_record_with_the_actor(cast):
    before = AuditEntry.objects.count()
    unit = services.create_unit(cast.hr, external_id="AUD", name="Audited")
    services.update_unit(unit, cast.hr, name="Audited again")
    entries = list(AuditEntry.objects.order_by("id")[before:].values_list("action", "actor_name"))
    assert entries == [("unit.create", "hr"), ("unit.update", "hr")]


def test_person_validation_names_the_fields(cast):
    org = build_org(cast)
    with pytest.raises(ValidationError) as refused:
        services.create_person(cast.hr, employee_id="E-IDA", name="", unit=org.units["HQ"], email="not-mail",
                               user=cast.employee)
    assert set(refused.value.message_dict) == {"employee_id", "name", "email", "user"}
    assert Person.objects.count() == 6


def test_vacating_a_vacant_position_is_refused(cast):
    org = build_org(cast)
    role = services.create_role(SYSTEM, external_id="TECH", name="Technician")
    seat = services.create_position(SYSTEM, role=role, unit=org.units["PLANT"], external_id="SEAT-1")
    with pytest.raises(ValidationError):
        services.vacate_position(seat, cast.hr, end_date=DAY)
    with pytest.raises(ValidationError):  # the id is taken
        services.create_position(SYSTEM, role=role, unit=org.units["PLANT"], external_id="SEAT-1")
    assert Position.objects.count() == 1
