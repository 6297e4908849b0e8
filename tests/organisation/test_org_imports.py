"""Organisation imports and exports: round trips in CSV and xlsx, idempotence, moves through history,
and bad files refused with the row named and nothing stored."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compms.access import SYSTEM
from compms.audit.models import AuditEntry
from compms.interop.base import ImportFailed, importers
from compms.organisation import services
from compms.organisation.imports import (
    export_dacum,
    export_people,
    export_requirements,
    export_roles,
    export_units,
    import_dacum,
    import_people,
    import_requirements,
    import_roles,
    import_units,
)
from compms.organisation.models import (
    Context,
    Duty,
    Person,
    PersonMove,
    Position,
    Requirement,
    Role,
    Task,
    TaskCompetency,
    Unit,
)
from tests.organisation.org_factories import build_org, published_dictionary, write_csv

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx"]


@pytest.fixture
def world(cast):
    """The access-test organisation, plus roles with positions, a DACUM chart, a hand-set requirement
    with a context, a leaver and a log-in link: something of everything the files carry."""
    org = build_org(cast)
    comps = published_dictionary()
    tech = services.create_role(SYSTEM, external_id="TECH", name="Technician", family="Engineering", grade="T2",
                                purpose="Keeps the pumps running")
    lead = services.create_role(SYSTEM, external_id="LEAD", name="Team lead", family="Engineering")
    duty = services.add_duty(tech, SYSTEM, title="Maintain pumps")
    services.add_duty(tech, SYSTEM, title="Train apprentices")  # a duty with no task yet
    seals = services.add_task(duty, SYSTEM, title="Replace seals", frequency="weekly", importance=4)
    services.add_task(duty, SYSTEM, title="Log readings")  # a task with no competency
    services.set_task_competency(seals, SYSTEM, competency=comps["P"], level=3, standard="performance")
    services.set_task_competency(seals, SYSTEM, competency=comps["K"], level=2, standard="knowledge")
    context = services.create_context(SYSTEM, code="offshore", name="Offshore platform")
    services.set_requirement(tech, cast.hr, competency=comps["B"], level=2, criticality="desirable", context=context,
                             note="platform rule")
    services.set_requirement(lead, cast.hr, competency=comps["P"], level=4, criticality="essential")
    day = dt.date(2026, 1, 5)
    for person, role in ((org.people["Emil"], tech), (org.people["Ida"], tech), (org.people["Theo"], lead)):
        seat = services.create_position(SYSTEM, role=role, unit=person.unit)
        services.assign_position(seat, SYSTEM, person=person, start_date=day)
    services.update_person(org.people["Olga"], SYSTEM, email="olga@example.org", start_date=dt.date(2020, 4, 1))
    services.mark_left(org.people["Olga"], SYSTEM, left_on=dt.date(2026, 2, 28))
    return {"org": org, "comps": comps, "tech": tech}


def save(tmp_path: Path, exported: tuple[bytes, str, str]) -> Path:
    content, filename, _type = exported
    path = tmp_path / filename
    path.write_bytes(content)
    return path


def csv_text(exported: tuple[bytes, str, str]) -> str:
    return exported[0].decode("utf-8")


def delete_units() -> None:
    for depth in sorted(set(Unit.objects.values_list("depth", flat=True)), reverse=True):
        Unit.objects.filter(depth=depth).delete()


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("fmt", FORMATS)
def test_units_round_trip(world, tmp_path, fmt):
    before = csv_text(export_units(SYSTEM, "csv"))
    assert before.splitlines()[:3] == ["unit_id,name,parent_id", "HQ,Head office,", "OPS,Operations,HQ"]
    path = save(tmp_path, export_units(SYSTEM, fmt))
    Position.objects.all().delete()
    Person.objects.all().delete()
    delete_units()

    result = import_units(path, SYSTEM)

    assert result.counts == {"created": 4, "updated": 0, "unchanged": 0}
    assert csv_text(export_units(SYSTEM, "csv")) == before
    plant = Unit.objects.get(external_id="PLANT")
    assert plant.depth == 2 and plant.path.startswith(Unit.objects.get(external_id="HQ").path)
    assert import_units(path, SYSTEM).counts == {"created": 0, "updated": 0, "unchanged": 4}


@pytest.mark.parametrize("fmt", FORMATS)
def test_roles_round_trip(world, tmp_path, fmt):
    before = csv_text(export_roles(SYSTEM, "csv"))
    assert "TECH,Technician,Engineering,T2,Keeps the pumps running" in before
    path = save(tmp_path, export_roles(SYSTEM, fmt))
    Position.objects.all().delete()
    Role.objects.all().delete()

    assert import_roles(path, SYSTEM).counts == {"created": 2, "updated": 0, "unchanged": 0}
    assert csv_text(export_roles(SYSTEM, "csv")) == before
    assert import_roles(path, SYSTEM).counts["unchanged"] == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_people_round_trip(world, tmp_path, fmt):
    before = csv_text(export_people(SYSTEM, "csv"))
    lines = before.splitlines()
    assert lines[0] == "employee_id,name,email,unit_id,manager_id,role_id,start_date,left_on,username"
    assert "E-EMIL,Emil,,PLANT,E-THEO,TECH,,,employee" in lines
    assert "E-OLGA,Olga,olga@example.org,FIN,E-HANA,,2020-04-01,2026-02-28," in lines
    path = save(tmp_path, export_people(SYSTEM, fmt))
    seats = Position.objects.count()
    Person.objects.all().delete()

    result = import_people(path, SYSTEM)

    assert result.counts["created"] == 6
    assert csv_text(export_people(SYSTEM, "csv")) == before
    assert Position.objects.count() == seats  # the vacant seats were reused, none added
    emil = Person.objects.get(employee_id="E-EMIL")
    hana, mia, theo = (Person.objects.get(employee_id=e).pk for e in ("E-HANA", "E-MIA", "E-THEO"))
    assert emil.manager_path == f"/{hana}/{mia}/{theo}/"
    moves_before = PersonMove.objects.count()
    again = import_people(path, SYSTEM)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 6}
    assert PersonMove.objects.count() == moves_before


@pytest.mark.parametrize("fmt", FORMATS)
def test_requirements_round_trip(world, tmp_path, fmt):
    before = csv_text(export_requirements(SYSTEM, "csv"))
    assert before.splitlines() == [
        "role_id,framework,competency_code,level,criticality,context,note",
        "LEAD,OPS,P,4,essential,,",
        "TECH,OPS,B,2,desirable,offshore,platform rule",
    ]
    path = save(tmp_path, export_requirements(SYSTEM, fmt))
    Requirement.objects.filter(manual=True).delete()
    Context.objects.all().delete()

    result = import_requirements(path, SYSTEM)

    assert result.counts == {"created": 2, "updated": 0, "unchanged": 0}
    assert csv_text(export_requirements(SYSTEM, "csv")) == before
    assert Context.objects.get().code == "offshore"
    assert import_requirements(path, SYSTEM).counts["unchanged"] == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_dacum_round_trip_and_the_profile_is_derived(world, tmp_path, fmt):
    before = csv_text(export_dacum(SYSTEM, "csv"))
    assert before.splitlines() == [
        "role_id,duty,task,framework,competency_code,level,standard,frequency,importance",
        "TECH,Maintain pumps,Replace seals,OPS,K,2,knowledge,weekly,4",
        "TECH,Maintain pumps,Replace seals,OPS,P,3,performance,weekly,4",
        "TECH,Maintain pumps,Log readings,,,,,,",
        "TECH,Train apprentices,,,,,,,",
    ]
    path = save(tmp_path, export_dacum(SYSTEM, fmt))
    Duty.objects.all().delete()
    services.derive_profiles([world["tech"].pk], SYSTEM)
    assert not Requirement.objects.filter(role=world["tech"], manual=False).exists()

    import_dacum(path, SYSTEM)

    assert csv_text(export_dacum(SYSTEM, "csv")) == before
    derived = dict(Requirement.objects.filter(role=world["tech"], manual=False)
                   .values_list("competency__code", "level"))
    assert derived == {"P": 3, "K": 2}
    counts = (Duty.objects.count(), Task.objects.count(), TaskCompetency.objects.count())
    import_dacum(path, SYSTEM)
    assert (Duty.objects.count(), Task.objects.count(), TaskCompetency.objects.count()) == counts


# ---------------------------------------------------------------- behaviour of the people import

def test_people_import_takes_managers_later_in_the_file_and_places_people_in_positions(cast, tmp_path):
    org = build_org(cast)
    services.create_role(SYSTEM, external_id="TECH", name="Technician")
    vacant = services.create_position(SYSTEM, role=Role.objects.get(), unit=org.units["FIN"], external_id="SEAT-V")
    path = write_csv(tmp_path, "people.csv", """
employee_id,name,email,unit_id,manager_id,role_id,start_date
N-1,Nora,nora@example.org,FIN,N-2,TECH,2026-02-01
N-2,Nils,,FIN,E-HANA,,
N-3,Noah,,FIN,N-1,TECH,2026-02-03
""")
    result = import_people(path, cast.hr)

    assert result.counts["created"] == 3
    nora, nils, noah = (Person.objects.get(employee_id=e) for e in ("N-1", "N-2", "N-3"))
    hana = org.people["Hana"]
    assert nora.manager == nils and nora.manager_path == f"/{hana.pk}/{nils.pk}/"
    assert noah.manager_path == f"/{hana.pk}/{nils.pk}/{nora.pk}/"
    vacant.refresh_from_db()
    assert vacant.holder == nora and vacant.holder_since == dt.date(2026, 2, 1)  # the vacant seat first
    assert Position.objects.get(holder=noah).unit.external_id == "FIN"  # then a new one
    assert AuditEntry.objects.filter(action="person.create", actor_name="hr").count() == 3


def test_people_reimport_records_moves_with_the_effective_date(cast, tmp_path):
    org = build_org(cast)
    tech = services.create_role(SYSTEM, external_id="TECH", name="Technician")
    seat = services.create_position(SYSTEM, role=tech, unit=org.units["PLANT"])
    services.assign_position(seat, SYSTEM, person=org.people["Ida"], start_date=dt.date(2025, 1, 1))
    path = write_csv(tmp_path, "people.csv", """
employee_id,name,unit_id,manager_id,role_id
E-IDA,Ida,FIN,E-OLGA,TECH
""")
    import_people(path, cast.hr, {"effective_on": "2026-04-01"})

    ida = Person.objects.get(employee_id="E-IDA")
    assert (ida.unit.external_id, ida.manager.employee_id) == ("FIN", "E-OLGA")
    moves = {m.kind: (m.effective_on, m.from_value, m.to_value)
             for m in PersonMove.objects.filter(person=ida, effective_on=dt.date(2026, 4, 1))}
    assert moves == {
        "unit": (dt.date(2026, 4, 1), "Plant A (PLANT)", "Finance (FIN)"),
        "manager": (dt.date(2026, 4, 1), "Theo (E-THEO)", "Olga (E-OLGA)"),
        "position_end": (dt.date(2026, 4, 1), "Technician in Plant A", ""),
        "position_start": (dt.date(2026, 4, 1), "", "Technician in Finance"),
    }
    seat.refresh_from_db()
    assert seat.holder is None and Position.objects.get(holder=ida).unit.external_id == "FIN"


def test_a_column_left_out_leaves_that_field_alone(cast, tmp_path):
    org = build_org(cast)
    path = write_csv(tmp_path, "people.csv", """
employee_id,name,unit_id
E-EMIL,Emil Berg,PLANT
""")
    import_people(path, SYSTEM)
    emil = Person.objects.get(employee_id="E-EMIL")
    assert (emil.name, emil.manager, emil.user) == ("Emil Berg", org.people["Theo"], cast.employee)


# ---------------------------------------------------------------- bad files: row named, nothing stored

def counts() -> tuple[int, ...]:
    return (Unit.objects.count(), Person.objects.count(), PersonMove.objects.count(), Position.objects.count(),
            Role.objects.count(), Requirement.objects.count(), Duty.objects.count(), Task.objects.count(),
            TaskCompetency.objects.count(), AuditEntry.objects.count())


def refused(function, path: Path, actor=SYSTEM) -> list[tuple[int | None, str]]:
    before = counts()
    with pytest.raises(ImportFailed) as failure:
        function(path, actor)
    assert counts() == before, "a refused import stored something"
    return [(e.row, e.field) for e in failure.value.errors]


def test_units_in_a_loop_are_refused_with_their_rows(cast, tmp_path):
    build_org(cast)
    path = write_csv(tmp_path, "units.csv", """
unit_id,name,parent_id
NEW,Fine,HQ
A,Alpha,B
B,Beta,A
""")
    assert refused(import_units, path) == [(3, "parent_id"), (4, "parent_id")]


def test_a_unit_loop_through_units_already_stored_is_refused(cast, tmp_path):
    build_org(cast)
    path = write_csv(tmp_path, "units.csv", "unit_id,name,parent_id\nOPS,Operations,PLANT")
    assert refused(import_units, path) == [(2, "parent_id")]


def test_unknown_manager_is_refused(cast, tmp_path):
    build_org(cast)
    path = write_csv(tmp_path, "people.csv", """
employee_id,name,unit_id,manager_id
N-1,Nora,FIN,E-HANA
N-2,Nils,FIN,E-NOBODY
""")
    assert refused(import_people, path) == [(3, "manager_id")]


def test_managers_in_a_loop_are_refused(cast, tmp_path):
    build_org(cast)
    path = write_csv(tmp_path, "people.csv", """
employee_id,name,unit_id,manager_id
N-1,Nora,FIN,N-2
N-2,Nils,FIN,N-1
""")
    assert refused(import_people, path) == [(2, "manager_id"), (3, "manager_id")]
    # Mia under Emil: Emil already reports to Theo, who reports to Mia.
    path = write_csv(tmp_path, "people2.csv", "employee_id,name,unit_id,manager_id\nE-MIA,Mia,OPS,E-EMIL")
    assert refused(import_people, path) == [(2, "manager_id")]


def test_duplicate_employee_id_is_refused(cast, tmp_path):
    build_org(cast)
    path = write_csv(tmp_path, "people.csv", """
employee_id,name,unit_id
N-1,Nora,FIN
N-1,Nora again,FIN
""")
    assert refused(import_people, path) == [(3, "employee_id")]


def test_every_bad_row_of_a_people_file_is_reported_at_once(cast, tmp_path):
    build_org(cast)
    path = write_csv(tmp_path, "people.csv", """
employee_id,name,email,unit_id,role_id,start_date
N-1,,nora@example.org,FIN,,
N-2,Nils,not-an-address,NOWHERE,NOROLE,01/02/2026
""")
    assert refused(import_people, path) == [(2, "name"), (3, "email"), (3, "role_id"), (3, "start_date"),
                                            (3, "unit_id")]


def test_unknown_framework_unknown_competency_and_level_beyond_the_scale_are_refused(world, tmp_path):
    path = write_csv(tmp_path, "requirements.csv", """
role_id,framework,competency_code,level,criticality,context
TECH,OPS,P,2,essential,
TECH,NOPE,P,2,essential,
TECH,OPS,ZZZ,2,essential,
TECH,OPS,K,6,essential,
LEAD,OPS,K,2,vital,
""")
    assert refused(import_requirements, path) == [(3, "framework"), (4, "competency_code"), (5, "level"),
                                                  (6, "criticality")]
    dacum = write_csv(tmp_path, "dacum.csv", """
role_id,duty,task,framework,competency_code,level,standard
TECH,Maintain pumps,Replace seals,OPS,P,9,performance
TECH,Maintain pumps,Replace seals,OPS,Q,1,performance
TECH,Maintain pumps,Replace seals,OPS,K,1,opinion
""")
    assert refused(import_dacum, dacum) == [(2, "level"), (3, "competency_code"), (4, "standard")]


def test_a_framework_may_be_named_by_its_case_identifier(world, tmp_path):
    case_id = world["comps"]["P"].version.framework.case_identifier
    path = write_csv(tmp_path, "requirements.csv", f"role_id,framework,competency_code,level\nLEAD,{case_id},K,1")
    import_requirements(path, SYSTEM)
    assert Requirement.objects.get(role__external_id="LEAD", competency__code="K").level == 1


def test_a_missing_column_is_reported_on_the_header_row(cast, tmp_path):
    path = write_csv(tmp_path, "units.csv", "unit_id,title\nA,Alpha")
    assert refused(import_units, path) == [(1, "name"), (1, "title")]


def test_imports_check_who_is_importing(cast, tmp_path):
    from django.core.exceptions import PermissionDenied

    path = write_csv(tmp_path, "units.csv", "unit_id,name\nA,Alpha")
    for who in ("employee", "manager", "competency_manager"):
        with pytest.raises(PermissionDenied):
            import_units(path, cast.users[who])
    roles = write_csv(tmp_path, "roles.csv", "role_id,name\nR,Role")
    import_roles(roles, cast.competency_manager)  # roles are also the competency managers' business
    assert Unit.objects.count() == 0 and Role.objects.count() == 1


# ---------------------------------------------------------------- dacum details

def test_dacum_replace_removes_what_the_file_no_longer_mentions(world, tmp_path):
    path = write_csv(tmp_path, "dacum.csv", """
role_id,duty,task,framework,competency_code,level,standard
TECH,Maintain pumps,Replace seals,OPS,P,2,performance
""")
    import_dacum(path, SYSTEM)
    assert Task.objects.count() == 2 and TaskCompetency.objects.count() == 2  # kept without --replace
    import_dacum(path, SYSTEM, {"replace": True})
    assert list(Task.objects.values_list("title", flat=True)) == ["Replace seals"]
    assert list(TaskCompetency.objects.values_list("competency__code", "level")) == [("P", 2)]
    assert dict(Requirement.objects.filter(role=world["tech"], manual=False)
                .values_list("competency__code", "level")) == {"P": 2}


def test_dacum_rows_for_one_task_must_agree_on_its_frequency(world, tmp_path):
    path = write_csv(tmp_path, "dacum.csv", """
role_id,duty,task,framework,competency_code,level,standard,frequency
TECH,Maintain pumps,Replace seals,OPS,P,2,performance,weekly
TECH,Maintain pumps,Replace seals,OPS,K,2,knowledge,daily
""")
    assert refused(import_dacum, path) == [(3, "frequency")]


# ---------------------------------------------------------------- command line

def test_command_line_import_and_export(world, tmp_path):
    out = tmp_path / "people.xlsx"
    call_command("export", "people", "--format", "xlsx", "-o", str(out), stderr=StringIO())
    assert out.read_bytes()[:2] == b"PK"  # an xlsx workbook is a zip file
    Person.objects.filter(employee_id="E-IDA").update(name="Renamed")
    stdout = StringIO()
    call_command("import", "people", str(out), stdout=stdout)
    assert "people: 0 created, 1 updated, 5 unchanged" in stdout.getvalue()
    assert Person.objects.get(employee_id="E-IDA").name == "Ida"

    bad = write_csv(tmp_path, "units.csv", "unit_id,name,parent_id\nA,Alpha,A")
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import", "units", str(bad), stderr=StringIO())
    assert set(importers()) >= {"units", "roles", "people", "requirements", "dacum"}


# ---------------------------------------------------------------- set-based at any size

def people_file(tmp_path: Path, size: int) -> Path:
    lines = ["employee_id,name,email,unit_id,manager_id,role_id,start_date"]
    for i in range(size):
        manager = f"B-{i // 10}" if i >= 10 else "E-HANA"
        lines.append(f"B-{i},Person {i},p{i}@example.org,{'PLANT' if i % 2 else 'FIN'},{manager},TECH,2026-01-01")
    return write_csv(tmp_path, f"people-{size}.csv", "\n".join(lines))


def test_people_import_does_not_query_per_row(cast, tmp_path):
    build_org(cast)
    services.create_role(SYSTEM, external_id="TECH", name="Technician")
    with CaptureQueriesContext(connection) as small:
        import_people(people_file(tmp_path, 20), cast.hr)
    with CaptureQueriesContext(connection) as large:
        import_people(people_file(tmp_path, 300), cast.hr)
    # 280 new people, 280 new seats, 560 history rows and their audit: a few dozen batched statements
    # (SQLite caps the parameters of one statement), nowhere near a query per row. Each batch of audit rows
    # also takes the audit chain's head under a lock (a savepoint, a read and an update).
    assert len(small) <= 26 and len(large) <= 46, (len(small), len(large))
    assert Person.objects.filter(employee_id__startswith="B-").count() == 300
    assert Position.objects.filter(holder__employee_id__startswith="B-").count() == 300
