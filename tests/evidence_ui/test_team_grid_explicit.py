"""The team grid confirms cell by cell, each cell with its own comment, and cannot overwrite a competency
resting on a certificate or an assessor record (current or expired)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from compms.access import SYSTEM
from compms.campaigns.ratings import CellRating, rate_people
from compms.evidence import proficiency as prof
from compms.evidence.models import Evidence

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


def cell(person, competency) -> str:
    return f"cell-{person.pk}-{competency.uuid.hex}-0"


def test_the_grid_starts_blank_and_writes_only_chosen_cells_with_their_own_comment(org, add, login_client):
    add(org.lee, org.q, 1, "manager", dt.date(2025, 9, 1))
    page = login_client("manager").get("/evidence/team/").content.decode()
    # No level is preselected: a cell saves only if the manager picks a level in it.
    assert page.count('<option value="" selected>– leave as is</option>') == 4
    response = login_client("manager").post("/evidence/team/", {
        cell(org.kim, org.q): "2", f"note-{cell(org.kim, org.q)}": "Checked her QA log for March",
        cell(org.lee, org.p): "3", f"note-{cell(org.lee, org.p)}": "",
        cell(org.lee, org.q): "", f"note-{cell(org.lee, org.q)}": "a comment on a cell left as is",
    })
    assert response.status_code == 302
    written = {(e.person_id, e.competency_id): e.note for e in
               Evidence.objects.filter(source="manager", assessed_on=TODAY)}
    assert written == {(org.kim.pk, org.q.pk): "Checked her QA log for March",
                       (org.lee.pk, org.p.pk): "Team grid rating"}


def test_the_grid_cannot_overwrite_a_certificate(org, add, login_client):
    certificate = add(org.kim, org.p, 3, "certificate", dt.date(2025, 3, 1), valid_until=dt.date(2027, 3, 1))
    page = login_client("manager").get("/evidence/team/").content.decode()
    kim_row = page.split(">Kim</a>")[1].split("</tr>")[0]
    assert "needs a certificate or an assessor" in kim_row
    assert f'name="{cell(org.kim, org.p)}"' not in kim_row

    response = login_client("manager").post("/evidence/team/", {
        cell(org.kim, org.p): "1", cell(org.lee, org.p): "3"})
    assert response.status_code == 400
    assert "P Pump maintenance rests on certificate evidence" in response.content.decode()
    assert not Evidence.objects.filter(source="manager").exists()  # all or nothing: Lee's cell neither
    p = prof.current_proficiencies([org.kim.pk])[(org.kim.pk, org.p.uuid, None)]
    assert (p.level, p.source, p.evidence_id) == (3, "certificate", certificate.pk)


def test_an_expired_certificate_cannot_be_made_met_through_the_grid_service(org, add):
    add(org.kim, org.p, 3, "certificate", dt.date(2024, 2, 1), valid_until=dt.date(2026, 1, 31))
    with pytest.raises(PermissionDenied, match="rests on expired certificate evidence"):
        rate_people(SYSTEM, [CellRating(person=org.kim, competency=org.p, level=3)])
    p = prof.current_proficiencies([org.kim.pk])[(org.kim.pk, org.p.uuid, None)]
    assert p.status == "expired"
