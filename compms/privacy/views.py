"""Personal data pages: the printable subject-access export with its JSON download, the leavers due for
anonymisation (HR), and the confirm page that anonymises one leaver (HR)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from compms.access.base import person_of
from compms.access.privacy import require_anonymiser
from compms.evidence import proficiency as prof
from compms.organisation.models import Person
from compms.privacy import services
from compms.privacy.models import Anonymisation


def _export(request: HttpRequest, person_id: int) -> tuple[Person, dict[str, Any]]:
    person = get_object_or_404(Person.objects.select_related("user"), pk=person_id)
    try:
        return person, services.export_person_data(person, request.user)
    except Person.DoesNotExist:
        raise Http404("No such person.") from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)
    return str(value)


def _table(rows: list[dict[str, Any]]) -> dict[str, Any]:
    columns = list(rows[0]) if rows else []
    return {"columns": columns, "rows": [[_cell(row.get(c)) for c in columns] for row in rows]}


@require_GET
def me(request: HttpRequest) -> HttpResponse:
    mine = person_of(request.user)
    if mine is None:
        return render(request, "evidence/no_person.html", status=404)
    return redirect("privacy:export", person_id=mine.pk)


@require_GET
def export_page(request: HttpRequest, person_id: int) -> HttpResponse:
    person, data = _export(request, person_id)
    sections = [{"key": key, "title": section["title"], "count": section["count"], **_table(section["rows"])}
                for key, section in data["sections"].items()]
    return render(request, "privacy/export.html", {
        "person": person, "data": data, "sections": sections,
        "account": data["account"], "record": data["person"],
        "audit_about": _table(data["audit_about_them"]), "audit_by": _table(data["audit_by_them"]),
    })


@require_GET
def export_json(request: HttpRequest, person_id: int) -> HttpResponse:
    person, data = _export(request, person_id)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="compms-personal-data-{person.pk}.json"'
    return response


@require_GET
def due(request: HttpRequest) -> HttpResponse:
    require_anonymiser(request.user)
    people = [(p, services.retention_ends(p)) for p in services.due_for_anonymisation(prof.today())]
    recent = Anonymisation.objects.select_related("person")[:50]
    return render(request, "privacy/due.html", {"people": people, "recent": recent,
                                                "years": services.retention_years()})


@require_http_methods(["GET", "POST"])
def anonymise(request: HttpRequest, person_id: int) -> HttpResponse:
    require_anonymiser(request.user)
    person = get_object_or_404(Person.objects.select_related("user", "unit"), pk=person_id)
    today = prof.today()
    done = Anonymisation.objects.filter(person=person).first()
    errors: list[str] = []
    reason = ""
    if request.method == "POST" and done is None:
        reason = (request.POST.get("reason") or "").strip()
        try:
            done = services.anonymise_person(person, request.user, today=today, early_reason=reason)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"Anonymised: the person is now “{done.person.name}”.")
            return redirect("organisation:person", employee_id=done.person.employee_id)
    ends = services.retention_ends(person)
    return render(request, "privacy/anonymise.html", {
        "person": person, "done": done, "errors": errors, "reason": reason, "retention_ends": ends,
        "early": ends is not None and ends > today, "years": services.retention_years(),
    }, status=400 if errors else 200)
