"""The assurance report for a regulator, by hand-worked cases on the evidence tests' small organisation.

Today is 2026-03-01. Technician (held by Kim, Lee, Olu) needs Pump maintenance (P) at level 3 (essential);
Quality checks (Q) is desirable, so the report leaves it out.
- Kim: P from an assessor (Ava Assessor) on 2026-01-10, valid until 2027-01-09 -> met; Q by test. Granted
  Authorised gas tester (P 3, Q 2) today and suspended by hand today: "Near miss under investigation".
- Lee: P certificate 2025-01-01 valid until 2026-01-31 -> expired today; on 2026-01-15 it was expiring
  (due in 16 days).
- Olu (outside Mo's team, moved to unit U2 "Workshop"): P certificate valid until 2026-04-15 -> expiring,
  renewal due in 45 days; a claim of level 3 made today is pending.
"""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from compms.access import SYSTEM
from compms.authorisations import report, services
from compms.authorisations.services import RequirementSpec
from compms.organisation.jobdescription import chromium_available

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)
D = dt.date


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


@pytest.fixture
def world(org, add, cast):
    from compms.evidence.models import Claim
    from compms.organisation.models import Unit

    workshop = Unit.objects.create(external_id="U2", name="Workshop", path="/")
    workshop.path = f"/{workshop.pk}/"
    workshop.save(update_fields=["path"])
    org.olu.unit = workshop
    org.olu.save(update_fields=["unit"])

    add(org.kim, org.p, 3, "assessor", D(2026, 1, 10), valid_until=D(2027, 1, 9))
    add(org.kim, org.q, 2, "test", D(2026, 2, 1))
    add(org.lee, org.p, 3, "certificate", D(2025, 1, 1), valid_until=D(2026, 1, 31))
    add(org.olu, org.p, 3, "certificate", D(2025, 4, 16), valid_until=D(2026, 4, 15))
    claimed = add(org.olu, org.p, 3, "self", TODAY)
    Claim.objects.create(person=org.olu, competency=org.p, competency_uuid=org.p.uuid, level=3,
                         self_evidence=claimed, created_at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC))

    gas = services.define_authorisation(
        SYSTEM, code="GAS-TEST", name="Authorised gas tester", validity_months=12, granted_by_roles=["hr"],
        requirements=[RequirementSpec(org.p, 3), RequirementSpec(org.q, 2)])
    grant = services.grant(cast.hr, person=org.kim, authorisation=gas)
    services.suspend(cast.hr, grant, reason="Near miss under investigation")
    return org


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(html: str, name: str) -> str:
    """The plain text of one person's section."""
    for part in html.split('<section class="person">')[1:]:
        if f"<h2>{name} " in part:
            return text_of(part)
    raise AssertionError(f"{name} is not in the report")


def names_in(html: str) -> list[str]:
    return re.findall(r'<section class="person">\s*<h2>([^<]+?) <span', html)


def html_for(actor=SYSTEM, **filters) -> str:
    return report.render_html(report.assurance_report(actor, **filters))


def test_a_met_competency_shows_its_evidence_source_assessor_dates(world):
    kim = section(html_for(), "Kim")
    assert ("Pump maintenance (OPS P) level 3 Yes: met (level 3) Assessor (formal or observed assessment), "
            "level 3, assessor Ava Assessor, assessed 2026-01-10, valid until 2027-01-09 –") in kim
    assert "Quality checks" not in kim  # desirable, not essential


def test_expired_expiring_and_pending(world):
    html = html_for()
    lee = section(html, "Lee")
    assert "No: expired Certificate, level 3, assessed 2025-01-01, valid until 2026-01-31" in lee
    olu = section(html, "Olu")
    assert "Yes: expiring (level 3) Certificate" in olu
    assert "Renewal due: expires 2026-04-15 (in 45 days)" in olu
    assert "Claim of level 3 awaiting verification (made 2026-03-01)" in olu


def test_a_self_assessment_alone_is_not_competence(world, add):
    add(world.lee, world.p, 3, "self", TODAY)
    lee = section(html_for(), "Lee")
    assert "No: unverified (level 3) Self-assessment, level 3, assessed 2026-03-01, valid until no expiry" in lee


def test_a_past_as_of_date_is_reported_as_it_was(world):
    html = html_for(as_of=D(2026, 1, 15))
    lee = section(html, "Lee")
    assert "Yes: expiring (level 3)" in lee
    assert "Renewal due: expires 2026-01-31 (in 16 days)" in lee
    assert "Claim of level" not in section(html, "Olu")  # made later
    assert "As of 2026-01-15" in html
    assert "No authorisation granted." in section(html, "Kim")  # granted later


def test_an_authorisation_suspended_on_the_day_shows_suspended_with_its_reason(world):
    kim = section(html_for(), "Kim")
    assert ("Authorised gas tester (GAS-TEST) No: Suspended by hand 2026-03-01 by Hana HR "
            "– Grant suspended by hand on 2026-03-01: Near miss under investigation") in kim


def test_filters_narrow_and_are_printed(world):
    everyone = html_for()
    # Ordered by unit (Plant before Workshop), then name.
    assert names_in(everyone) == ["Ava Assessor", "Hana HR", "Kim", "Lee", "Mo Manager", "Olu"]
    plant = html_for(unit=report.find_unit("U1"))
    assert "Olu" not in names_in(plant)
    assert "scope: unit Plant (U1) and below" in plant
    holders = html_for(authorisation=report.find_authorisation("GAS-TEST"))
    assert names_in(holders) == ["Kim"]
    assert "holders of Authorised gas tester (GAS-TEST)" in holders


def test_the_same_as_of_date_gives_identical_bytes(world, tmp_path: Path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    call_command("report", "assurance", "--as-of", "2026-03-01", "-o", str(first), stdout=StringIO())
    call_command("report", "assurance", "--as-of", "2026-03-01", "-o", str(second), stdout=StringIO())
    assert first.read_bytes() == second.read_bytes()
    assert "As of 2026-03-01" in first.read_text(encoding="utf-8")


def test_command_unit_and_bad_input(world, tmp_path: Path):
    target = tmp_path / "plant.html"
    out = StringIO()
    call_command("report", "assurance", "--unit", "U1", "-o", str(target), stdout=out)
    assert "Olu" not in names_in(target.read_text(encoding="utf-8"))
    assert out.getvalue().startswith("Assurance report as of 2026-03-01 for 5 people")
    with pytest.raises(CommandError, match="--unit: No unit with id 'NOPE'"):
        call_command("report", "assurance", "--unit", "NOPE", "-o", str(target))
    with pytest.raises(CommandError, match="must end in .html or .pdf"):
        call_command("report", "assurance", "-o", str(tmp_path / "x.txt"))


def test_command_without_chromium_says_so(world, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("COMPMS_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(CommandError, match="needs Chromium"):
        call_command("report", "assurance", "-o", str(tmp_path / "r.pdf"))
    assert not (tmp_path / "r.pdf").exists()


def test_command_writes_pdf(world, tmp_path: Path):
    if not chromium_available():
        pytest.skip("No Chromium at COMPMS_CHROMIUM or /usr/bin/chromium: the PDF cannot be printed here")
    target = tmp_path / "r.pdf"
    call_command("report", "assurance", "--unit", "U1", "-o", str(target), stdout=StringIO())
    assert target.read_bytes().startswith(b"%PDF")


def test_pages_hr_everyone_manager_their_team_others_refused(world, login_client):
    hr = login_client("hr").get("/authorisations/report/", {"as_of": "2026-03-01"})
    assert hr.status_code == 200
    assert "Olu" in names_in(hr.content.decode())
    mine = names_in(login_client("manager").get("/authorisations/report/").content.decode())
    assert mine == ["Kim", "Lee", "Mo Manager"]
    assert login_client("employee").get("/authorisations/report/").status_code == 403
    assert login_client("assessor").get("/authorisations/report/").status_code == 403


def test_page_downloads_html_and_answers_400_on_bad_input(world, login_client):
    client = login_client("hr")
    download = client.get("/authorisations/report/", {"unit": "U1", "as_of": "2026-03-01", "format": "html"})
    assert download["Content-Disposition"] == 'attachment; filename="assurance-u1-2026-03-01.html"'
    body = download.content.decode()
    assert 'id="download-pdf"' not in body  # the file carries no toolbar
    assert body == html_for(unit=report.find_unit("U1"), as_of=TODAY)
    assert client.get("/authorisations/report/", {"as_of": "yesterday"}).status_code == 400
    refused = client.get("/authorisations/report/", {"authorisation": "NOPE"})
    assert refused.status_code == 400
    assert "No authorisation with code 'NOPE'" in refused.content.decode()
