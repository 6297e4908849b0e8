"""Links stored in the catalogue (and ESCO URIs in the dictionary) are http(s) only: the services,
and so imports, refuse javascript:, data:, vbscript: and the like, naming the field or row; pages
and the API never hand out such a link even if one was stored before the check."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from compms.access import SYSTEM
from compms.development import services
from compms.development.imports import import_resources_file
from compms.development.models import Resource
from compms.frameworks.models import Competency
from compms.interop.base import ImportFailed
from compms.validation import require_web_link, web_link_problem

HEADER = ("resource_id,title,kind,framework,competency_code,entry_level,exit_level,cost,hours,modality,provider,"
          "validity_months,link")
BAD_LINKS = ["javascript:alert(document.cookie)", " JavaScript:alert(1)", "java\tscript:alert(1)",
             "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd",
             "//evil.example/x", "learning.example/pump"]


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "resources.csv"
    path.write_text("\n".join((HEADER,) + lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("link", BAD_LINKS)
def test_the_validator_takes_only_http_and_https(link):
    assert web_link_problem(link) is not None
    with pytest.raises(ValidationError) as refused:
        require_web_link(link, "link", where="row 4")
    assert refused.value.message_dict["link"][0].startswith("row 4: ")


def test_http_and_https_links_are_kept_trimmed():
    assert require_web_link("  https://learning.example/pump?x=1#y ", "link") == "https://learning.example/pump?x=1#y"
    assert require_web_link("HTTP://learning.example", "link") == "HTTP://learning.example"
    assert require_web_link("", "link") == ""


@pytest.mark.django_db
@pytest.mark.parametrize("link", BAD_LINKS[:5])
def test_the_catalogue_service_refuses_a_script_link(org, link):
    with pytest.raises(ValidationError) as refused:
        services.create_resource(SYSTEM, resource_id="PUMP-1", title="Pump course", link=link)
    assert "link" in refused.value.message_dict
    assert not Resource.objects.exists()


@pytest.mark.django_db
def test_an_update_cannot_bring_a_script_link_in(org):
    resource = services.create_resource(SYSTEM, resource_id="PUMP-1", title="Pump course",
                                        link="https://learning.example/pump")
    with pytest.raises(ValidationError) as refused:
        services.update_resource(resource, SYSTEM, link="javascript:alert(1)")
    assert "is not an http:// or https:// address" in refused.value.message_dict["link"][0]
    assert Resource.objects.get().link == "https://learning.example/pump"


@pytest.mark.django_db
def test_the_import_refuses_the_file_naming_the_row(org, tmp_path):
    path = write(tmp_path, "R1,Pump course,course,OPS,P,0,3,400,16,,,,https://learning.example/pump",
                 "R2,Quality,course,OPS,Q,0,1,10,1,,,,javascript:alert(1)")
    with pytest.raises(ImportFailed) as failed:
        import_resources_file(path, SYSTEM)
    assert [(e.row, e.field) for e in failed.value.errors] == [(3, "link")]
    assert "javascript:alert(1)" in failed.value.errors[0].message
    assert not Resource.objects.exists()


@pytest.mark.django_db
def test_the_import_command_refuses_it_too(org, tmp_path, capsys):
    path = write(tmp_path, "R2,Quality,course,OPS,Q,0,1,10,1,,,,\"data:text/html,x\"")
    with pytest.raises((CommandError, SystemExit)):
        call_command("import", "resources", str(path))
    assert "link" in capsys.readouterr().err
    assert not Resource.objects.exists()


@pytest.mark.django_db
def test_the_bulk_service_refuses_a_script_link_whoever_calls_it(org):
    with pytest.raises(ValidationError) as refused:
        services.import_resources(SYSTEM, [Resource(resource_id="R9", title="x", link="javascript:alert(1)")], {})
    assert refused.value.message_dict["link"][0].startswith("R9: ")
    assert not Resource.objects.exists()


@pytest.mark.django_db
def test_pages_and_the_api_never_hand_out_a_stored_script_link(org, login_client, api):
    # Written around the services, as a row stored before the check would be.
    Resource.objects.create(resource_id="EVIL-1", title="Evil course", link="javascript:alert(document.cookie)")
    Resource.objects.create(resource_id="GOOD-1", title="Good course", link="https://learning.example/good")
    evil = login_client("employee").get("/development/catalogue/EVIL-1/")
    assert evil.status_code == 200
    assert b"javascript:" not in evil.content and b'id="open-link"' not in evil.content
    good = login_client("employee").get("/development/catalogue/GOOD-1/")
    assert b'href="https://learning.example/good"' in good.content
    listed = {r["resource_id"]: r["link"] for r in api("employee").get("/api/v1/development/resources").json()["items"]}
    assert listed == {"EVIL-1": "", "GOOD-1": "https://learning.example/good"}


@pytest.mark.django_db
def test_an_esco_uri_must_be_http_and_is_linked_only_then(org, login_client):
    from compms.frameworks import services as frameworks

    version = frameworks.create_framework(code="LNK", name="Links", actor=SYSTEM)
    with pytest.raises(ValidationError) as refused:
        frameworks.create_competency(version, SYSTEM, code="X", name="X", esco_uri="javascript:alert(1)")
    assert "esco_uri" in refused.value.message_dict
    item = frameworks.create_competency(version, SYSTEM, code="Y", name="Y")
    Competency.objects.filter(pk=item.pk).update(esco_uri="javascript:alert(1)")
    page = login_client("hr").get(f"/frameworks/LNK/v{version.number}/c/{item.uuid}/")
    assert page.status_code == 200
    assert b'href="javascript:' not in page.content


@pytest.mark.django_db
def test_a_case_package_with_a_script_esco_uri_is_refused_naming_the_item(org):
    from compms.interop.case import export_case, import_case

    Competency.objects.filter(pk=org.p.pk).update(esco_uri="javascript:alert(1)")
    content, _ = export_case("OPS")
    with pytest.raises(ImportFailed) as failed:
        import_case(content, SYSTEM, framework_code="OPS2")
    refused = [e for e in failed.value.errors if "escoUri" in e.message]
    assert len(refused) == 1 and refused[0].field == "extensions"
    assert "is not an http:// or https:// address" in refused[0].message
