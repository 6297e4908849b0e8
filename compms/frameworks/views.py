"""Pages of the competency dictionary. Reads go through queries.py, every change through
services.py. Editing controls are shown to, and accepted from, dictionary editors only."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compms.access.frameworks import can_edit_dictionary
from compms.frameworks import queries, services
from compms.frameworks.forms import CompetencyForm, FrameworkForm, RelationForm, show_service_errors
from compms.frameworks.models import Competency, Framework, FrameworkVersion, Relation

SEARCH_LIMIT = 100
# Trees up to this size open fully; bigger ones show their top level and let people drill down.
OPEN_TREE_LIMIT = 150
EXTERNAL_URI = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|urn:)", re.IGNORECASE)


# ---------------------------------------------------------------- helpers

def _require_editor(request: HttpRequest) -> None:
    if not can_edit_dictionary(request.user):
        raise PermissionDenied("Only competency managers may change a competency dictionary.")


def _framework_url(code: str, number: int | None = None) -> str:
    url = reverse("frameworks:framework", args=[code])
    return f"{url}?version={number}" if number is not None else url


def _competency_url(version: FrameworkVersion, competency: Competency) -> str:
    return reverse("frameworks:competency", args=[version.framework.code, version.number, str(competency.uuid)])


def _version_or_404(code: str, number: int) -> FrameworkVersion:
    return get_object_or_404(FrameworkVersion.objects.select_related("framework", "default_scale"),
                             framework__code=code, number=number)


def _competency_or_404(version: FrameworkVersion, ref: str) -> Competency:
    competency = queries.find_competency(version, ref, Competency.objects.select_related("parent", "scale"))
    if competency is None:
        raise Http404(f"No competency {ref!r} in {version.framework.code} v{version.number}.")
    return competency


def _draft_refusal(version: FrameworkVersion) -> str | None:
    """The service's own reason why this version cannot be edited, or None for a draft."""
    try:
        services.check_draft(version)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def _flash_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _number_param(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404("Version numbers are whole numbers.") from None


# ---------------------------------------------------------------- frameworks

@require_http_methods(["GET", "POST"])
def framework_list(request: HttpRequest) -> HttpResponse:
    form = FrameworkForm()
    status = 200
    if request.method == "POST":
        _require_editor(request)
        form = FrameworkForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.create_framework(code=data["code"], name=data["name"],
                                          description=data["description"], actor=request.user)
            except ValidationError as exc:
                show_service_errors(form, exc)
            else:
                messages.success(request, f"Framework {data['code']} created with draft version 1. "
                                          "Add its competencies, then publish it.")
                return redirect(_framework_url(data["code"]))
        status = 400
    versions = FrameworkVersion.objects.annotate(competency_count=Count("competencies")).order_by("-number")
    frameworks = Framework.objects.order_by("code").prefetch_related(Prefetch("versions", queryset=versions))
    rows = [{"framework": fw, "versions": list(fw.versions.all()),
             "current": queries.default_version(fw.versions.all())} for fw in frameworks]
    return render(request, "frameworks/list.html", {"rows": rows, "form": form}, status=status)


def _tree_html(rows: list[queries.TreeRow], link_prefix: str, open_all: bool) -> SafeString:
    """Nested <li>/<details> markup for a tree, parents collapsible. Built here, not in a template
    loop, because a template costs about a tenth of a millisecond per lookup and a dictionary can
    hold ten thousand competencies; every value is escaped."""
    parts: list[str] = []
    for row in rows:
        node = row.node
        label = format_html('<a href="{}{}/"><code>{}</code> {}</a>', link_prefix, node.uuid, node.code, node.name)
        if node.item_type:
            label += format_html(' <span class="muted">{}</span>', node.item_type)
        label += format_html(' <span class="kind kind-{}">{}</span>', node.kind, node.kind)
        if row.opens:
            parts.append(f'<li><details{" open" if open_all or row.depth == 0 else ""}><summary>{label}</summary>'
                         '<ul class="tree">')
        else:
            parts.append(f'<li class="leaf">{label}</li>')
        parts.append("</ul></details></li>" * len(row.closes))
    return mark_safe("\n".join(parts))  # noqa: S308 - every value above went through format_html


@require_GET
def framework_detail(request: HttpRequest, code: str) -> HttpResponse:
    framework = get_object_or_404(Framework, code=code)
    versions = list(framework.versions.select_related("default_scale")
                    .annotate(competency_count=Count("competencies")).order_by("-number"))
    wanted = _number_param(request.GET.get("version"))
    if wanted is None:
        version = queries.default_version(versions)
    else:
        version = next((v for v in versions if v.number == wanted), None)
        if version is None:
            raise Http404(f"{framework.code} has no version {wanted}.")
    tree = queries.load_tree(version) if version is not None else None
    draft = next((v for v in versions if v.status == FrameworkVersion.Status.DRAFT), None)
    published = next((v for v in versions if v.status == FrameworkVersion.Status.PUBLISHED), None)
    tree_html = mark_safe("")
    if tree is not None and version is not None:
        # One prefix for every link in the tree: reversing a URL per node is wasted work on big trees.
        link_prefix = reverse("frameworks:competency",
                              args=[framework.code, version.number, "__ref__"]).removesuffix("__ref__/")
        tree_html = _tree_html(tree.rows(), link_prefix, open_all=tree.size <= OPEN_TREE_LIMIT)
    return render(request, "frameworks/framework.html", {
        "framework": framework,
        "versions": versions,
        "version": version,
        "draft": draft,
        "tree": tree,
        "tree_html": tree_html,
        "compare_from": published if published is not None and published != draft else None,
        "compare_to": draft or published,
    })


@require_POST
def version_new(request: HttpRequest, code: str) -> HttpResponse:
    _require_editor(request)
    framework = get_object_or_404(Framework, code=code)
    source_number = _number_param(request.POST.get("source"))
    source = (get_object_or_404(FrameworkVersion, framework=framework, number=source_number)
              if source_number is not None else None)
    try:
        draft = services.new_version(framework, request.user, source=source)
    except ValidationError as exc:
        _flash_errors(request, exc)
        return redirect(_framework_url(framework.code, source_number))
    messages.success(request, f"Draft version {draft.number} created ({draft.notes.lower()}). "
                              "Edit it, then publish it.")
    return redirect(_framework_url(framework.code, draft.number))


@require_POST
def version_publish(request: HttpRequest, code: str, number: int) -> HttpResponse:
    _require_editor(request)
    version = _version_or_404(code, number)
    try:
        services.publish(version, request.user)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, f"Version {number} of {code} is published.")
    return redirect(_framework_url(code, number))


@require_POST
def version_retire(request: HttpRequest, code: str, number: int) -> HttpResponse:
    _require_editor(request)
    version = _version_or_404(code, number)
    try:
        services.retire(version, request.user)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, f"Version {number} of {code} is retired.")
    return redirect(_framework_url(code, number))


# ---------------------------------------------------------------- compare and search

# Fields whose old and new values are short enough to show side by side.
SHOWN_CHANGES = ("code", "name", "kind", "item_type", "esco_uri", "sfia_code", "description")


def _change_details(old: Competency, new: Competency, fields: list[str]) -> list[dict[str, Any]]:
    details = []
    for name in fields:
        if name == "parent":
            before = old.parent.code if old.parent else "(top level)"
            after = new.parent.code if new.parent else "(top level)"
        elif name == "indicators":
            # compare_versions prefetched the indicators, so these reads cost no query.
            was = {i.level: i.text for i in old.indicators.all()}
            now = {i.level: i.text for i in new.indicators.all()}
            levels = sorted(level for level in was.keys() | now.keys() if was.get(level) != now.get(level))
            before, after = "", "levels " + ", ".join(str(level) for level in levels) + " reworded"
        else:
            before, after = getattr(old, name), getattr(new, name)
        details.append({"field": name.replace("_", " "), "before": before, "after": after})
    return details


@require_GET
def compare(request: HttpRequest, code: str) -> HttpResponse:
    framework = get_object_or_404(Framework, code=code)
    versions = list(framework.versions.select_related("framework").order_by("-number"))
    by_number = {v.number: v for v in versions}
    from_number = _number_param(request.GET.get("from"))
    to_number = _number_param(request.GET.get("to"))
    if (from_number is not None and from_number not in by_number) or (
            to_number is not None and to_number not in by_number):
        raise Http404(f"{framework.code} has no such version.")
    old = by_number.get(from_number) if from_number is not None else None
    new = by_number.get(to_number) if to_number is not None else None
    if new is None and versions:
        new = versions[0]
    if old is None and new is not None:
        # By default compare with the version just before the newer one.
        old = next((v for v in versions if v.number < new.number), None)
    diff = None
    changed: list[dict[str, Any]] = []
    if old is not None and new is not None and old != new:
        diff = services.compare_versions(old, new)
        changed = [{"old": a, "new": b, "details": _change_details(a, b, fields)} for a, b, fields in diff.changed]
    return render(request, "frameworks/compare.html", {
        "framework": framework, "versions": versions, "old": old, "new": new, "diff": diff, "changed": changed,
    })


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    framework = None
    version = None
    if request.GET.get("framework"):
        framework = get_object_or_404(Framework, code=request.GET["framework"])
        number = _number_param(request.GET.get("version"))
        if number is not None:
            version = get_object_or_404(FrameworkVersion, framework=framework, number=number)
    result = None
    if text:
        version_ids = [version.pk] if version is not None else queries.searchable_version_ids(framework)
        result = queries.search_competencies(text, version_ids, limit=SEARCH_LIMIT)
    return render(request, "frameworks/search.html", {
        "text": text, "framework": framework, "version": version, "result": result,
    })


# ---------------------------------------------------------------- one competency

def _competency_context(version: FrameworkVersion, competency: Competency,
                        relation_form: RelationForm | None = None) -> dict[str, Any]:
    scale = competency.scale or version.default_scale
    indicators = {i.level: i.text for i in competency.indicators.all()}
    levels = list(scale.levels.all()) if scale is not None else []
    same_competency = list(Competency.objects.filter(uuid=competency.uuid, version__framework=version.framework)
                           .exclude(pk=competency.pk).select_related("version").order_by("-version__number"))
    draft_copy = next((c for c in same_competency if c.version.is_editable), None)
    return {
        "framework": version.framework,
        "version": version,
        "competency": competency,
        "path": queries.ancestor_paths([competency.pk])[competency.pk],
        "children": list(competency.children.order_by("sort_order", "code")),
        "scale": scale,
        "scale_is_override": competency.scale_id is not None,
        "scale_rows": queries.scale_rows(levels, indicators),
        "relations_out": list(competency.relations_out.select_related("target__version__framework")
                              .order_by("kind", "target__code", "target_uri")),
        "relations_in": list(competency.relations_in.select_related("source__version__framework")
                             .order_by("kind", "source__code")),
        "external_ids": sorted(competency.external_ids.items()) if isinstance(competency.external_ids, dict)
        else [],
        "other_versions": same_competency,
        "draft_copy": draft_copy,
        # Only asked where it matters: on a read-only version, to offer "new draft" or not.
        "framework_has_draft": draft_copy is not None or (
            not version.is_editable and FrameworkVersion.objects.filter(
                framework=version.framework, status=FrameworkVersion.Status.DRAFT).exists()),
        "relation_form": relation_form or RelationForm(),
    }


@require_GET
def competency_detail(request: HttpRequest, code: str, number: int, ref: str) -> HttpResponse:
    version = _version_or_404(code, number)
    competency = _competency_or_404(version, ref)
    return render(request, "frameworks/competency.html", _competency_context(version, competency))


def _competency_form(version: FrameworkVersion, competency: Competency | None, data: Any = None,
                     parent: Competency | None = None) -> CompetencyForm:
    scale = (competency.scale if competency is not None else None) or version.default_scale
    levels = list(scale.levels.all()) if scale is not None else []
    existing = {i.level: i.text for i in competency.indicators.all()} if competency is not None else {}
    if competency is not None:
        initial = {"code": competency.code, "name": competency.name, "kind": competency.kind,
                   "description": competency.description, "item_type": competency.item_type,
                   "parent": competency.parent.code if competency.parent else "",
                   "scale": competency.scale_id, "esco_uri": competency.esco_uri, "sfia_code": competency.sfia_code,
                   **{f"indicator_{level}": text for level, text in existing.items()}}
    else:
        initial = {"kind": Competency.Kind.SKILL, "parent": parent.code if parent else "",
                   "item_type": parent.item_type if parent else ""}
    return CompetencyForm(data, initial=initial, scales=version.scales.all(), default_scale=version.default_scale,
                          levels=levels, extra_levels=existing.keys())


def _resolve_parent(version: FrameworkVersion, ref: str) -> Competency | None:
    if not ref:
        return None
    parent = queries.find_competency(version, ref)
    if parent is None:
        raise ValidationError({"parent": f"No competency with code {ref!r} in {version.framework.code} "
                                         f"v{version.number}."})
    return parent


def _save_competency(request: HttpRequest, version: FrameworkVersion, form: CompetencyForm,
                     competency: Competency | None) -> Competency | None:
    """Create or update through the services; on refusal the form carries the reasons."""
    valid = form.is_valid()
    try:
        services.check_draft(version)
        if not valid:
            return None
        data = form.cleaned_data
        parent = _resolve_parent(version, data["parent"].strip())
        fields = {name: data[name] for name in ("code", "name", "kind", "description", "item_type",
                                                  "esco_uri", "sfia_code")}
        if competency is None:
            return services.create_competency(version, request.user, parent=parent, scale=data["scale"],
                                              indicators=form.indicators(), **fields)
        return services.update_competency(
            competency, request.user, indicators=form.indicators(), parent_id=parent.pk if parent else None,
            scale_id=data["scale"].pk if data["scale"] else None, **fields)
    except ValidationError as exc:
        show_service_errors(form, exc)
        return None


@require_http_methods(["GET", "POST"])
def competency_create(request: HttpRequest, code: str, number: int) -> HttpResponse:
    _require_editor(request)
    version = _version_or_404(code, number)
    parent_ref = request.GET.get("parent", "")
    parent = queries.find_competency(version, parent_ref) if parent_ref else None
    refusal = _draft_refusal(version)
    if request.method == "GET" and refusal:
        messages.error(request, refusal)
        return redirect(_framework_url(code, number))
    form = _competency_form(version, None, request.POST if request.method == "POST" else None, parent=parent)
    if request.method == "POST":
        created = _save_competency(request, version, form, None)
        if created is not None:
            messages.success(request, f"Competency {created.code} added.")
            return redirect(_competency_url(version, created))
    return render(request, "frameworks/competency_form.html",
                  {"framework": version.framework, "version": version, "form": form, "competency": None,
                   "parent": parent}, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def competency_edit(request: HttpRequest, code: str, number: int, ref: str) -> HttpResponse:
    _require_editor(request)
    version = _version_or_404(code, number)
    competency = _competency_or_404(version, ref)
    refusal = _draft_refusal(version)
    if request.method == "GET" and refusal:
        messages.error(request, refusal)
        return redirect(_competency_url(version, competency))
    form = _competency_form(version, competency, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        saved = _save_competency(request, version, form, competency)
        if saved is not None:
            messages.success(request, f"Competency {saved.code} saved.")
            return redirect(_competency_url(version, saved))
    return render(request, "frameworks/competency_form.html",
                  {"framework": version.framework, "version": version, "form": form, "competency": competency,
                   "parent": competency.parent}, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def competency_delete(request: HttpRequest, code: str, number: int, ref: str) -> HttpResponse:
    _require_editor(request)
    version = _version_or_404(code, number)
    competency = _competency_or_404(version, ref)
    refusal = _draft_refusal(version)
    if refusal:
        messages.error(request, refusal)
        return redirect(_competency_url(version, competency))
    if request.method == "POST":
        parent = competency.parent
        try:
            services.delete_competency(competency, request.user)
        except ValidationError as exc:
            _flash_errors(request, exc)
            return redirect(_competency_url(version, competency))
        messages.success(request, f"Competency {competency.code} deleted from v{version.number}.")
        return redirect(_competency_url(version, parent) if parent else _framework_url(code, number))
    below = queries.descendants(competency)
    removed_ids = [competency.pk, *(c.pk for c in below)]
    # Relations from other versions (e.g. another framework) that point here go with it: warn first.
    incoming = list(Relation.objects.filter(target_id__in=removed_ids).exclude(version=version)
                    .select_related("source__version__framework", "target"))
    return render(request, "frameworks/competency_delete.html", {
        "framework": version.framework, "version": version, "competency": competency,
        "descendants": below, "incoming": incoming,
    })


def _resolve_relation_target(version: FrameworkVersion, text: str) -> tuple[Competency | None, str]:
    """A code in this version, FRAMEWORK:CODE (latest published, else draft, of that framework),
    or an external URI. Returns (competency, "") or (None, uri)."""
    text = text.strip()
    if EXTERNAL_URI.match(text):
        return None, text
    local = queries.find_competency(version, text)
    if local is not None:
        return local, ""
    if ":" in text:
        framework_code, _, competency_ref = text.partition(":")
        framework = Framework.objects.filter(code=framework_code.strip()).first()
        if framework is None:
            raise ValidationError({"target": f"No framework with code {framework_code.strip()!r}."})
        if framework.pk == version.framework_id:
            target_version: FrameworkVersion | None = version
        else:
            target_version = framework.latest_published() or framework.draft()
        if target_version is None:
            raise ValidationError({"target": f"{framework.code} has no published or draft version."})
        found = queries.find_competency(target_version, competency_ref.strip())
        if found is None:
            raise ValidationError({"target": f"No competency {competency_ref.strip()!r} in {framework.code} "
                                             f"v{target_version.number}."})
        return found, ""
    raise ValidationError({"target": f"No competency with code {text!r} in {version.framework.code} "
                                     f"v{version.number}. For another framework write FRAMEWORK:CODE; "
                                     "for an outside item, its URI."})


@require_POST
def relation_add(request: HttpRequest, code: str, number: int, ref: str) -> HttpResponse:
    _require_editor(request)
    version = _version_or_404(code, number)
    competency = _competency_or_404(version, ref)
    refusal = _draft_refusal(version)
    if refusal:
        messages.error(request, refusal)
        return redirect(_competency_url(version, competency))
    form = RelationForm(request.POST)
    if form.is_valid():
        try:
            target, uri = _resolve_relation_target(version, form.cleaned_data["target"])
            relation = services.add_relation(competency, request.user, kind=form.cleaned_data["kind"],
                                             target=target, target_uri=uri,
                                             target_title=form.cleaned_data["target_title"])
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, f"Relation added: {relation.get_kind_display().lower()} "
                                      f"{target.code if target else uri}.")
            return redirect(_competency_url(version, competency) + "#relations")
    return render(request, "frameworks/competency.html", _competency_context(version, competency, form),
                  status=400)


@require_POST
def relation_remove(request: HttpRequest, code: str, number: int, ref: str, relation_id: int) -> HttpResponse:
    _require_editor(request)
    version = _version_or_404(code, number)
    competency = _competency_or_404(version, ref)
    relation = get_object_or_404(Relation, pk=relation_id, source=competency)
    try:
        services.remove_relation(relation, request.user)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, "Relation removed.")
    return redirect(_competency_url(version, competency) + "#relations")
