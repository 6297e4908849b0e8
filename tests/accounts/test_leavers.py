"""Leavers lose access at once, and their team moves to whoever takes it.

The organisation (who reports to whom):

    Hana (HR, log-in hr)                       root
    ├── Boris (manager, log-in boris)
    │   └── Mia (manager, log-in manager)      <- the leaver in most tests
    │       ├── Theo (log-in theo, employee)
    │       │   ├── Emil (log-in employee)
    │       │   └── Ida
    │       └── Olga
    └── Sam (manager, log-in sam)              no reports: a successor from outside the team
    Rex (no manager)                           root
    └── Ann

Worked answers: when Mia leaves with nobody named, Theo and Olga report to Boris; Emil's manager_path
becomes /hana/boris/theo/ (ids), and no manager_path mentions Mia any more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings

from compms.access import SYSTEM
from compms.accounts.models import ApiToken, User
from compms.accounts.services import create_token, create_user, restore_access
from compms.audit.models import AuditEntry
from compms.organisation import services
from compms.organisation.access import visible_people
from compms.organisation.imports import import_people
from compms.organisation.models import Person, PersonMove
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LEFT_ON = dt.date(2026, 6, 30)


@dataclass
class World:
    people: dict[str, Person]
    users: dict[str, User]

    def person(self, name: str) -> Person:
        return Person.objects.get(pk=self.people[name].pk)

    def path_ids(self, name: str) -> list[str]:
        """The manager chain of a person, as names, read back from the stored manager_path."""
        names = {str(p.pk): n for n, p in self.people.items()}
        return [names[part] for part in self.person(name).manager_path.strip("/").split("/") if part]


@pytest.fixture
def world(cast) -> World:
    boris = create_user("boris", PASSWORD, ["manager", "employee"], actor=SYSTEM)
    sam = create_user("sam", PASSWORD, ["manager", "employee"], actor=SYSTEM)
    theo_login = create_user("theo", PASSWORD, ["employee"], actor=SYSTEM)
    hq = services.create_unit(SYSTEM, external_id="HQ", name="Head office")
    ops = services.create_unit(SYSTEM, external_id="OPS", name="Operations", parent=hq)

    def person(emp: str, name: str, manager: Person | None = None, user: User | None = None) -> Person:
        return services.create_person(SYSTEM, employee_id=emp, name=name, unit=ops if manager else hq,
                                      manager=manager, user=user, start_date=dt.date(2020, 1, 1))

    hana = person("E-HANA", "Hana", user=cast.hr)
    boris_p = person("E-BORIS", "Boris", hana, boris)
    mia = person("E-MIA", "Mia", boris_p, cast.manager)
    theo = person("E-THEO", "Theo", mia, theo_login)
    emil = person("E-EMIL", "Emil", theo, cast.employee)
    ida = person("E-IDA", "Ida", theo)
    olga = person("E-OLGA", "Olga", mia)
    sam_p = person("E-SAM", "Sam", hana, sam)
    rex = person("E-REX", "Rex")
    ann = person("E-ANN", "Ann", rex)
    people = {p.name: p for p in (hana, boris_p, mia, theo, emil, ida, olga, sam_p, rex, ann)}
    return World(people=people, users={"boris": boris, "sam": sam, "theo": theo_login, **cast.users})


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def can_log_in(username: str) -> bool:
    """Through the real log-in page: a success redirects, a refusal shows the form again."""
    response = Client().post("/accounts/login/", {"username": username, "password": PASSWORD})
    return response.status_code == 302


def leave_by_api(api, world: World, name: str, **extra) -> dict:
    response = api("hr").post(f"/api/v1/people/{world.people[name].pk}/leave",
                              {"left_on": LEFT_ON.isoformat(), **extra})
    assert response.status_code == 200, response.content
    return response.json()


def no_one_reports_to(world: World, name: str) -> bool:
    leaver = world.people[name]
    return not Person.objects.filter(manager=leaver).exists() and not Person.objects.filter(
        manager_path__contains=f"/{leaver.pk}/").exists()


# ---------------------------------------------------------------- the log-in, its sessions and tokens


def test_a_leavers_token_is_refused_on_the_next_request(api, world, cast):
    _token, raw = create_token(cast.manager, "reporting script")
    client = Client()
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 200

    leave_by_api(api, world, "Mia")

    assert client.get("/api/v1/me", **bearer(raw)).status_code == 401
    assert client.get(f"/api/v1/people/{world.people['Theo'].pk}", **bearer(raw)).status_code == 401
    assert not ApiToken.objects.filter(user=cast.manager, revoked_at__isnull=True).exists()
    assert User.objects.get(pk=cast.manager.pk).is_active is False
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"person.leave", "user.deactivate", "token.revoke"} <= actions


def test_a_leavers_session_ends_on_pages_and_api(api, world, cast):
    browser = logged_in(cast.manager)
    assert browser.get("/api/v1/me").status_code == 200
    assert Session.objects.count() == 1

    leave_by_api(api, world, "Mia")

    page = browser.get("/organisation/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
    assert browser.get("/api/v1/me").status_code == 401
    # The stored session is gone, not merely refused; HR's own calls (bearer) made no session.
    assert Session.objects.count() == 0


def test_the_leaver_cannot_log_in_again(api, world):
    leave_by_api(api, world, "Mia")
    assert not can_log_in("manager")


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cache")
def test_sessions_in_a_cache_store_end_too_even_after_access_is_given_back(api, world, cast):
    browser = logged_in(cast.manager)
    assert browser.get("/api/v1/me").status_code == 200

    leave_by_api(api, world, "Mia")
    services.record_return(world.people["Mia"], SYSTEM, start_date=dt.date(2026, 9, 1))
    restore_access(world.people["Mia"], SYSTEM)

    # The login is back, but the session made before the leave stays ended.
    assert User.objects.get(pk=cast.manager.pk).is_active is True
    assert browser.get("/api/v1/me").status_code == 401


def test_other_peoples_access_is_untouched(api, world, cast):
    _token, raw = create_token(cast.employee, "mine")
    browser = logged_in(world.users["theo"])

    leave_by_api(api, world, "Mia")

    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200
    assert browser.get("/api/v1/me").status_code == 200


# ---------------------------------------------------------------- the team moves


def test_reports_move_to_the_leavers_own_manager_with_their_whole_subtree(api, world):
    body = leave_by_api(api, world, "Mia")

    assert body["active"] is False and body["login_active"] is False and body["direct_reports"] == 0
    assert world.person("Theo").manager_id == world.people["Boris"].pk
    assert world.person("Olga").manager_id == world.people["Boris"].pk
    assert world.path_ids("Theo") == ["Hana", "Boris"]
    assert world.path_ids("Emil") == ["Hana", "Boris", "Theo"]
    assert world.path_ids("Ida") == ["Hana", "Boris", "Theo"]
    assert no_one_reports_to(world, "Mia")
    moved = PersonMove.objects.filter(kind=PersonMove.Kind.MANAGER, effective_on=LEFT_ON)
    assert sorted(moved.values_list("person__name", flat=True)) == ["Olga", "Theo"]
    # Boris, a manager, still sees the whole team (now as their direct manager).
    seen = set(visible_people(world.users["boris"]).values_list("name", flat=True))
    assert {"Theo", "Emil", "Ida", "Olga"} <= seen


def test_a_named_successor_takes_the_team_and_sees_it(api, world):
    sam = world.users["sam"]
    assert "Emil" not in set(visible_people(sam).values_list("name", flat=True))

    leave_by_api(api, world, "Mia", successor_id=world.people["Sam"].pk)

    assert world.path_ids("Theo") == ["Hana", "Sam"]
    assert world.path_ids("Emil") == ["Hana", "Sam", "Theo"]
    assert world.path_ids("Olga") == ["Hana", "Sam"]
    assert set(visible_people(sam).values_list("name", flat=True)) == {"Sam", "Theo", "Emil", "Ida", "Olga"}
    assert no_one_reports_to(world, "Mia")


def test_a_successor_from_inside_the_team_steps_into_the_leavers_place(api, world):
    leave_by_api(api, world, "Mia", successor_id=world.people["Theo"].pk)

    assert world.path_ids("Theo") == ["Hana", "Boris"]
    assert world.path_ids("Olga") == ["Hana", "Boris", "Theo"]
    assert world.path_ids("Emil") == ["Hana", "Boris", "Theo"]
    assert no_one_reports_to(world, "Mia")


def test_a_leaver_with_no_manager_above_leaves_the_team_unmanaged_and_hr_still_sees_it(api, world, cast):
    leave_by_api(api, world, "Rex")

    ann = world.person("Ann")
    assert ann.manager_id is None and ann.manager_path == ""
    assert visible_people(cast.hr).filter(pk=ann.pk).exists()


def test_a_successor_who_has_left_or_is_the_leaver_is_refused(api, world):
    hr = api("hr")
    mia = world.people["Mia"]
    response = hr.post(f"/api/v1/people/{mia.pk}/leave", {"left_on": "2026-06-30", "successor_id": mia.pk})
    assert response.status_code == 400 and "successor" in response.json()["detail"]
    services.mark_left(world.people["Olga"], SYSTEM, left_on=LEFT_ON)
    response = hr.post(f"/api/v1/people/{mia.pk}/leave",
                       {"left_on": "2026-06-30", "successor_id": world.people["Olga"].pk})
    assert response.status_code == 400 and "successor" in response.json()["detail"]
    assert world.person("Mia").active is True and User.objects.get(username="manager").is_active


def test_leaving_before_starting_is_refused_naming_left_on(api, world):
    response = api("hr").post(f"/api/v1/people/{world.people['Mia'].pk}/leave", {"left_on": "2019-12-31"})
    assert response.status_code == 400 and "left_on" in response.json()["detail"]


# ---------------------------------------------------------------- coming back


def test_a_return_does_not_give_the_login_back_but_restore_access_does(api, world, cast):
    _token, raw = create_token(cast.manager, "old script")
    leave_by_api(api, world, "Mia")
    hr = api("hr")
    mia_id = world.people["Mia"].pk

    back = hr.post(f"/api/v1/people/{mia_id}/return", {"start_date": "2026-09-01"})

    assert back.status_code == 200, back.content
    assert back.json()["active"] is True and back.json()["login_active"] is False
    assert not can_log_in("manager")

    restored = hr.post(f"/api/v1/people/{mia_id}/restore-access")

    assert restored.status_code == 200 and restored.json()["login_active"] is True
    assert can_log_in("manager")
    # Tokens revoked at the leave stay revoked: a script has to get a new one.
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
    assert AuditEntry.objects.filter(action="user.restore", object_id=str(cast.manager.pk)).count() == 1


def test_an_import_row_for_the_leaver_does_not_give_the_login_back(api, world, tmp_path: Path):
    leave_by_api(api, world, "Mia")
    file = tmp_path / "people.csv"
    file.write_text("employee_id,name,unit_id,start_date\nE-MIA,Mia,OPS,2026-09-01\n")

    import_people(file, SYSTEM)

    assert User.objects.get(username="manager").is_active is False


def test_restore_access_is_for_hr_and_only_for_someone_who_is_back(api, world):
    mia_id = world.people["Mia"].pk
    leave_by_api(api, world, "Mia")

    # Emil may not even see Mia; Boris, her manager, sees her but is not HR.
    assert api("employee").post(f"/api/v1/people/{mia_id}/restore-access").status_code == 404
    with pytest.raises(PermissionDenied):
        restore_access(world.people["Mia"], world.users["boris"])
    still_left = api("hr").post(f"/api/v1/people/{mia_id}/restore-access")
    assert still_left.status_code == 400 and "person" in still_left.json()["detail"]
    no_login = api("hr").post(f"/api/v1/people/{world.people['Ida'].pk}/restore-access")
    assert no_login.status_code == 400 and "user" in no_login.json()["detail"]
    assert User.objects.get(username="manager").is_active is False


# ---------------------------------------------------------------- the people import and the page


def test_an_import_driven_leave_does_what_the_api_does(world, cast, tmp_path: Path):
    _token, raw = create_token(cast.manager, "script")
    browser = logged_in(cast.manager)
    file = tmp_path / "people.csv"
    file.write_text("employee_id,name,unit_id,left_on\nE-MIA,Mia,OPS,2026-06-30\n")

    import_people(file, cast.hr)

    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
    assert browser.get("/api/v1/me").status_code == 401
    assert Session.objects.count() == 0
    assert User.objects.get(pk=cast.manager.pk).is_active is False
    assert world.person("Mia").active is False
    # Theo and Olga are not in the file, yet they move to Boris with their subtree.
    assert world.path_ids("Theo") == ["Hana", "Boris"]
    assert world.path_ids("Emil") == ["Hana", "Boris", "Theo"]
    assert world.path_ids("Olga") == ["Hana", "Boris"]
    assert no_one_reports_to(world, "Mia")
    moved = PersonMove.objects.filter(kind=PersonMove.Kind.MANAGER)
    assert sorted(moved.values_list("person__name", flat=True)) == ["Olga", "Theo"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"person.leave", "person.move", "user.deactivate", "token.revoke"} <= actions


def test_an_import_hands_the_team_to_the_manager_its_rows_name(world, cast, tmp_path: Path):
    file = tmp_path / "people.csv"
    file.write_text("employee_id,name,unit_id,manager_id,left_on\n"
                    "E-MIA,Mia,OPS,E-BORIS,2026-06-30\n"
                    "E-THEO,Theo,OPS,E-SAM,\n")

    import_people(file, cast.hr)

    assert world.path_ids("Theo") == ["Hana", "Sam"]
    assert world.path_ids("Emil") == ["Hana", "Sam", "Theo"]
    assert world.path_ids("Olga") == ["Hana", "Boris"]
    assert no_one_reports_to(world, "Mia")


def test_hr_records_a_leaver_on_the_person_page(world, cast, login_client):
    victim = logged_in(cast.manager)
    hr = login_client("hr")

    page = hr.get("/organisation/people/E-MIA/")
    assert b"Record leaver" in page.content
    response = hr.post("/organisation/people/E-MIA/leave/", {"left_on": "2026-06-30", "successor": "E-SAM"})

    assert response.status_code == 302
    assert User.objects.get(pk=cast.manager.pk).is_active is False
    assert victim.get("/organisation/").status_code == 302
    assert world.path_ids("Theo") == ["Hana", "Sam"]
    assert b"deactivated" in hr.get("/organisation/people/E-MIA/").content


def test_the_leave_page_names_the_bad_field_and_changes_nothing(world, cast, login_client):
    hr = login_client("hr")

    bad_date = hr.post("/organisation/people/E-MIA/leave/", {"left_on": "30/06/2026"})
    unknown = hr.post("/organisation/people/E-MIA/leave/", {"left_on": "2026-06-30", "successor": "E-NOBODY"})

    assert bad_date.status_code == 400 and b"left_on" in bad_date.content
    assert unknown.status_code == 400 and b"successor" in unknown.content
    assert User.objects.get(pk=cast.manager.pk).is_active is True
    assert world.person("Mia").active is True


def test_the_page_gives_a_returned_persons_login_back_only_when_asked(world, cast, login_client):
    hr = login_client("hr")
    hr.post("/organisation/people/E-MIA/leave/", {"left_on": "2026-06-30"})

    assert hr.post("/organisation/people/E-MIA/return/", {"start_date": "2026-09-01"}).status_code == 302
    assert User.objects.get(pk=cast.manager.pk).is_active is False
    assert b"Give the log-in back" in hr.get("/organisation/people/E-MIA/").content
    assert hr.post("/organisation/people/E-MIA/restore-access/").status_code == 302
    assert User.objects.get(pk=cast.manager.pk).is_active is True


def test_only_hr_sees_and_uses_the_leave_controls(world, cast, login_client):
    boss = login_client("manager")  # Mia, who sees Theo

    assert b"Record leaver" not in boss.get("/organisation/people/E-THEO/").content
    assert boss.post("/organisation/people/E-THEO/leave/", {"left_on": "2026-06-30"}).status_code == 403
    assert world.person("Theo").active is True
