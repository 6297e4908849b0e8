"""REST API for the competency dictionary: frameworks, versions, scales, competencies, relations.

Thin by design: every write calls a function in `compms.frameworks.services` (which validates,
audits and owns the transaction); reads go through `compms.frameworks.api_queries`.

Access: any logged-in user holding at least one CompMS role may read; only administrators and
competency managers may write. The editor check runs before any look-up, so a user who may not
write gets 403 whatever the path names, and learns nothing more from the answer.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from compms.access import has_role
from compms.access.frameworks import can_edit_dictionary
from compms.accounts.models import Role
from compms.frameworks import api_queries as queries
from compms.frameworks import services
from compms.frameworks.models import Competency, Framework, FrameworkVersion, Relation, Scale

router = Router(tags=["frameworks"])


# ---------------------------------------------------------------- access

def require_reader(request: HttpRequest) -> None:
    # A log-in without any role (a new account not yet set up, or one whose roles were removed)
    # sees nothing of the organisation's dictionary until an administrator gives it a role.
    if not has_role(request.user, *Role.values):
        raise PermissionDenied("Reading the competency dictionary needs a CompMS role; "
                               "ask an administrator to give you one.")


def require_editor(request: HttpRequest) -> None:
    if not can_edit_dictionary(request.user):
        raise PermissionDenied("Only competency managers and administrators may change a dictionary.")


# ---------------------------------------------------------------- schemas out

class ErrorOut(Schema):
    detail: Any


class LevelOut(Schema):
    value: int
    name: str
    descriptor: str


class ScaleOut(Schema):
    code: str
    name: str
    description: str
    is_default: bool
    levels: list[LevelOut]


class VersionOut(Schema):
    number: int
    label: str
    status: str
    notes: str
    created_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    default_scale: str | None = Field(None, description="Code of the version's default scale")
    competency_count: int


class VersionDetailOut(VersionOut):
    framework: str
    relation_count: int
    scales: list[ScaleOut]


class FrameworkSummaryOut(Schema):
    code: str
    name: str
    description: str
    case_identifier: UUID
    published_version: int | None = Field(None, description="Latest published version number")
    draft_version: int | None = Field(None, description="Number of the open draft, if any")
    latest_version: int | None


class FrameworkDetailOut(Schema):
    code: str
    name: str
    description: str
    case_identifier: UUID
    publisher: str
    source_uri: str
    rollup_policy: str
    created_at: datetime
    default_version: int | None = Field(None, description="What readers see when they name no version: "
                                        "the latest published, else the draft")
    versions: list[VersionOut]


class CompetencyBriefOut(Schema):
    uuid: UUID
    code: str
    name: str
    kind: str


class CompetencyFieldsOut(CompetencyBriefOut):
    item_type: str
    description: str
    parent: str | None = Field(None, description="Code of the parent competency")
    sort_order: int
    children_count: int


class CompetencyListItemOut(CompetencyFieldsOut):
    # Rows come from `api_queries.competency_list`, which annotates the parent's code.
    @staticmethod
    def resolve_parent(obj: Competency) -> str | None:
        return obj.parent_code


class SearchHitOut(CompetencyBriefOut):
    framework: str
    version: int
    version_status: str
    parent: str | None

    @staticmethod
    def resolve_framework(obj: Competency) -> str:
        return obj.framework_code

    @staticmethod
    def resolve_version(obj: Competency) -> int:
        return obj.version_number

    @staticmethod
    def resolve_parent(obj: Competency) -> str | None:
        return obj.parent_code


class RelationOut(Schema):
    uuid: UUID
    kind: str
    source: str = Field(description="Code of the source competency")
    source_framework: str
    target: str | None = Field(None, description="Code of the target competency inside CompMS")
    target_framework: str | None
    target_version: int | None
    target_uri: str
    target_title: str


class CompetencyDetailOut(CompetencyFieldsOut):
    framework: str
    version: int
    version_status: str
    esco_uri: str
    sfia_code: str
    external_ids: dict[str, Any]
    children: list[str] = Field(description="Codes of the direct children, in display order")
    indicators: dict[int, str] = Field(description="What a person at each level can do, by level")
    scale: ScaleOut | None = Field(None, description="The scale this competency is measured on")
    relations: list[RelationOut] = Field(description="Relations from this competency")
    related_from: list[RelationOut] = Field(description="Relations from other competencies to this one")


class ChangedCompetencyOut(Schema):
    uuid: UUID
    code: str
    previous_code: str
    name: str
    fields: list[str] = Field(description="What changed: field names, 'parent' or 'indicators'")


class VersionComparisonOut(Schema):
    framework: str
    from_version: int
    to_version: int
    added: list[CompetencyBriefOut]
    removed: list[CompetencyBriefOut]
    changed: list[ChangedCompetencyOut]


# ---------------------------------------------------------------- schemas in

class LevelIn(Schema):
    value: int
    name: str
    descriptor: str = ""


class FrameworkIn(Schema):
    code: str = Field(description="Short code used in URLs, letters, digits, - and _ (e.g. OPS-SAFETY)")
    name: str
    description: str = ""
    publisher: str = ""
    scale_name: str = "Proficiency"
    levels: list[LevelIn] | None = Field(None, description="Levels 0..n of the default scale; "
                                         "omit for the standard 0-5 scale")


class CompetencyIn(Schema):
    code: str
    name: str
    kind: str = Field("skill", description="skill, knowledge or behaviour")
    description: str = ""
    parent: str | None = Field(None, description="Code of the parent competency in the same version")
    item_type: str = Field("", description="e.g. Domain, Competency, Element")
    sort_order: int | None = Field(None, description="Place among siblings; default: after the last")
    scale: str | None = Field(None, description="Code of a scale overriding the version's default")
    esco_uri: str = ""
    sfia_code: str = ""
    external_ids: dict[str, Any] = Field(default_factory=dict)
    indicators: dict[int, str] = Field(default_factory=dict, description="{level: what a person can do}")


class CompetencyPatchIn(Schema):
    code: str | None = None
    name: str | None = None
    kind: str | None = None
    description: str | None = None
    parent: str | None = Field(None, description="Code of the new parent; null makes it top-level")
    item_type: str | None = None
    sort_order: int | None = None
    scale: str | None = Field(None, description="Scale code; null returns to the version's default")
    esco_uri: str | None = None
    sfia_code: str | None = None
    external_ids: dict[str, Any] | None = None
    indicators: dict[int, str] | None = Field(None, description="Replaces all indicators when given")


class RelationIn(Schema):
    kind: str = Field(description="related, prerequisite, exact_match, broader, replaced_by or other")
    target: str | None = Field(None, description="Code of the target competency")
    target_framework: str | None = Field(None, description="Framework of the target; default this one")
    target_version: int | None = Field(None, description="Version of the target in another framework; "
                                       "default its latest published")
    target_uri: str = Field("", description="An item outside CompMS, instead of `target`")
    target_title: str = ""


class FrameworkFilters(Schema):
    status: str | None = Field(None, description="Keep frameworks with a version in this status: "
                               "draft, published or retired")
    q: str | None = Field(None, description="Text in the code or name")


class CompetencyFilters(Schema):
    version: int | None = Field(None, description="Version number; default the latest published, else the draft")
    q: str | None = Field(None, description="Text in the code, name or description")
    kind: str | None = Field(None, description="skill, knowledge or behaviour")
    parent: str | None = Field(None, description="Only the direct children of this competency code")
    top_level: bool = Field(False, description="Only competencies without a parent")


class SearchFilters(Schema):
    q: str = Field(description="Text in the code, name or description")
    kind: str | None = Field(None, description="skill, knowledge or behaviour")


class RelationRef(Schema):
    uuid: UUID | None = Field(None, description="The relation's uuid")
    kind: str | None = None
    target: str | None = Field(None, description="Target competency code (with kind)")
    target_uri: str | None = Field(None, description="External target URI (with kind)")
    version: int | None = Field(None, description="Version to edit; default the draft")


# ---------------------------------------------------------------- output builders

def scale_out(scale: Scale, default_scale_id: int | None) -> dict[str, Any]:
    return {"code": scale.code, "name": scale.name, "description": scale.description,
            "is_default": scale.pk == default_scale_id,
            "levels": [{"value": lvl.value, "name": lvl.name, "descriptor": lvl.descriptor}
                       for lvl in scale.levels.all()]}


def version_out(version: FrameworkVersion) -> dict[str, Any]:
    """One version's fields; `version` carries the `competency_count` annotation."""
    return {"number": version.number, "label": version.label, "status": version.status, "notes": version.notes,
            "created_at": version.created_at, "published_at": version.published_at,
            "retired_at": version.retired_at,
            "default_scale": version.default_scale.code if version.default_scale_id else None,
            "competency_count": version.competency_count}


def framework_detail(framework: Framework) -> dict[str, Any]:
    versions = queries.versions_with_counts(framework)
    default = queries.default_version(framework) if versions else None
    return {"code": framework.code, "name": framework.name, "description": framework.description,
            "case_identifier": framework.case_identifier, "publisher": framework.publisher,
            "source_uri": framework.source_uri, "rollup_policy": framework.rollup_policy,
            "created_at": framework.created_at, "default_version": default.number if default else None,
            "versions": [version_out(v) for v in versions]}


def version_detail(framework: Framework, number: int) -> dict[str, Any]:
    version = queries.version_with_counts(framework, number)
    data = version_out(version)
    data.update(framework=framework.code, relation_count=version.relation_count,
                scales=[scale_out(s, version.default_scale_id) for s in queries.scales_of(version)])
    return data


def relation_out(relation: Relation) -> dict[str, Any]:
    target = relation.target
    return {"uuid": relation.uuid, "kind": relation.kind, "source": relation.source.code,
            "source_framework": relation.source.version.framework.code,
            "target": target.code if target else None,
            "target_framework": target.version.framework.code if target else None,
            "target_version": target.version.number if target else None,
            "target_uri": relation.target_uri, "target_title": relation.target_title}


def competency_out(competency: Competency) -> dict[str, Any]:
    detail = queries.competency_detail(competency)
    version = competency.version
    return {
        "uuid": competency.uuid, "code": competency.code, "name": competency.name, "kind": competency.kind,
        "item_type": competency.item_type, "description": competency.description,
        "parent": competency.parent.code if competency.parent_id else None,
        "sort_order": competency.sort_order, "children_count": len(detail.children),
        "framework": version.framework.code, "version": version.number, "version_status": version.status,
        "esco_uri": competency.esco_uri, "sfia_code": competency.sfia_code,
        "external_ids": competency.external_ids, "children": detail.children, "indicators": detail.indicators,
        "scale": scale_out(detail.scale, version.default_scale_id) if detail.scale else None,
        "relations": [relation_out(r) for r in detail.relations_out],
        "related_from": [relation_out(r) for r in detail.relations_in],
    }


def reload_competency(version: FrameworkVersion, pk: int) -> Competency:
    return queries.competency_in(version, Competency.objects.values_list("code", flat=True).get(pk=pk))


# ---------------------------------------------------------------- frameworks and versions

@router.get("/frameworks", response=list[FrameworkSummaryOut], summary="List frameworks")
@paginate(PageNumberPagination, page_size=50)
def list_frameworks(request: HttpRequest, filters: FrameworkFilters = Query(...)) -> QuerySet[Framework]:
    require_reader(request)
    return queries.framework_list(status=filters.status, q=filters.q)


@router.post("/frameworks", response={201: FrameworkDetailOut, 400: ErrorOut, 403: ErrorOut},
             summary="Create a framework (version 1, a draft)")
def create_framework(request: HttpRequest, payload: FrameworkIn) -> Status:
    require_editor(request)
    levels = (services.DEFAULT_LEVELS if payload.levels is None
              else [services.LevelSpec(lvl.value, lvl.name, lvl.descriptor) for lvl in payload.levels])
    version = services.create_framework(code=payload.code, name=payload.name, description=payload.description,
                                        publisher=payload.publisher, scale_name=payload.scale_name,
                                        levels=levels, actor=request.user)
    return Status(201, framework_detail(version.framework))


@router.get("/frameworks/{code}", response={200: FrameworkDetailOut, 404: ErrorOut},
            summary="A framework with its versions")
def get_framework(request: HttpRequest, code: str) -> dict[str, Any]:
    require_reader(request)
    return framework_detail(services.resolve_framework(code))


@router.get("/frameworks/{code}/versions/{number}", response={200: VersionDetailOut, 404: ErrorOut},
            summary="One version of a framework, with its scales")
def get_version(request: HttpRequest, code: str, number: int) -> dict[str, Any]:
    require_reader(request)
    return version_detail(services.resolve_framework(code), number)


@router.post("/frameworks/{code}/versions", response={201: VersionDetailOut, 400: ErrorOut, 403: ErrorOut,
                                                      404: ErrorOut},
             summary="Start a new draft version, a copy of the latest published (or the version named)")
def create_version(request: HttpRequest, code: str,
                   from_version: int | None = Query(None, description="Version to copy; "
                                                    "default the latest published")) -> Status:
    # The source is a query parameter so a plain POST with no body works from any client.
    require_editor(request)
    framework = services.resolve_framework(code)
    source = queries.version_number(framework, from_version) if from_version is not None else None
    draft = services.new_version(framework, request.user, source=source)
    return Status(201, version_detail(framework, draft.number))


@router.post("/frameworks/{code}/versions/{number}/publish",
             response={200: VersionDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="Publish a draft version; it can no longer change")
def publish_version(request: HttpRequest, code: str, number: int) -> dict[str, Any]:
    require_editor(request)
    framework = services.resolve_framework(code)
    services.publish(queries.version_number(framework, number), request.user)
    return version_detail(framework, number)


@router.post("/frameworks/{code}/versions/{number}/retire",
             response={200: VersionDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="Retire a published version")
def retire_version(request: HttpRequest, code: str, number: int) -> dict[str, Any]:
    require_editor(request)
    framework = services.resolve_framework(code)
    services.retire(queries.version_number(framework, number), request.user)
    return version_detail(framework, number)


@router.get("/frameworks/{code}/versions/{number}/compare/{other}", response={200: VersionComparisonOut, 404: ErrorOut},
            summary="What changed from version `number` to version `other` (matched by uuid)")
def compare_versions(request: HttpRequest, code: str, number: int, other: int) -> dict[str, Any]:
    require_reader(request)
    framework = services.resolve_framework(code)
    diff = services.compare_versions(queries.version_number(framework, number),
                                     queries.version_number(framework, other))
    return {"framework": framework.code, "from_version": number, "to_version": other,
            "added": diff.added, "removed": diff.removed,
            "changed": [{"uuid": new.uuid, "code": new.code, "previous_code": old.code, "name": new.name,
                         "fields": fields} for old, new, fields in diff.changed]}


@router.get("/frameworks/{code}/scales", response={200: list[ScaleOut], 404: ErrorOut},
            summary="The scales of a version, with level names and descriptors")
def list_scales(request: HttpRequest, code: str, version: int | None = None) -> list[dict[str, Any]]:
    # Not paginated: a version has a handful of scales, each with a handful of levels.
    require_reader(request)
    framework_version = queries.version_or_default(services.resolve_framework(code), version)
    return [scale_out(s, framework_version.default_scale_id) for s in queries.scales_of(framework_version)]


# ---------------------------------------------------------------- competencies

@router.get("/frameworks/{code}/competencies", response=list[CompetencyListItemOut],
            summary="Competencies of a version, in code order")
@paginate(PageNumberPagination, page_size=100)
def list_competencies(request: HttpRequest, code: str,
                      filters: CompetencyFilters = Query(...)) -> QuerySet[Competency]:
    require_reader(request)
    version = queries.version_or_default(services.resolve_framework(code), filters.version)
    return queries.competency_list(version, q=filters.q, kind=filters.kind, parent=filters.parent,
                                   top_level=filters.top_level)


@router.get("/frameworks/{code}/competencies/{comp_code}", response={200: CompetencyDetailOut, 404: ErrorOut},
            summary="One competency with indicators, scale, relations and children")
def get_competency(request: HttpRequest, code: str, comp_code: str,
                   version: int | None = None) -> dict[str, Any]:
    require_reader(request)
    framework_version = queries.version_or_default(services.resolve_framework(code), version)
    return competency_out(queries.competency_in(framework_version, comp_code))


def _links(version: FrameworkVersion, values: dict[str, Any]) -> dict[str, Any]:
    """Turn the codes a client sends (parent, scale) into the ids the services take."""
    links: dict[str, Any] = {}
    if "parent" in values:
        parent = values.pop("parent")
        links["parent_id"] = queries.referenced_competency(version, parent, "parent").pk if parent else None
    if "scale" in values:
        scale = values.pop("scale")
        links["scale_id"] = queries.referenced_scale(version, scale).pk if scale else None
    return links


@router.post("/frameworks/{code}/competencies",
             response={201: CompetencyDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="Add a competency to the draft")
def create_competency(request: HttpRequest, code: str, payload: CompetencyIn,
                      version: int | None = None) -> Status:
    require_editor(request)
    target = queries.editable_version(services.resolve_framework(code), version)
    parent = queries.referenced_competency(target, payload.parent, "parent") if payload.parent else None
    scale = queries.referenced_scale(target, payload.scale) if payload.scale else None
    competency = services.create_competency(
        target, request.user, code=payload.code, name=payload.name, kind=payload.kind,
        description=payload.description, parent=parent, item_type=payload.item_type,
        sort_order=payload.sort_order, scale=scale, esco_uri=payload.esco_uri, sfia_code=payload.sfia_code,
        external_ids=payload.external_ids, indicators=payload.indicators,
    )
    return Status(201, competency_out(reload_competency(target, competency.pk)))


def _update(request: HttpRequest, code: str, comp_code: str, version: int | None,
            values: dict[str, Any]) -> dict[str, Any]:
    target = queries.editable_version(services.resolve_framework(code), version)
    competency = queries.competency_in(target, comp_code)
    indicators = values.pop("indicators", None)
    links = _links(target, values)
    changes = {**values, **links}
    services.update_competency(competency, request.user, indicators=indicators, **changes)
    return competency_out(reload_competency(target, competency.pk))


@router.patch("/frameworks/{code}/competencies/{comp_code}",
              response={200: CompetencyDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
              summary="Change some fields of a competency in the draft")
def patch_competency(request: HttpRequest, code: str, comp_code: str, payload: CompetencyPatchIn,
                     version: int | None = None) -> dict[str, Any]:
    require_editor(request)
    values = payload.dict(exclude_unset=True)
    for required in ("code", "name", "kind"):
        # An explicit null here would blank a field the services require; say so by field.
        if required in values and values[required] is None:
            raise ValidationError({required: "This field cannot be null."})
    for text_field in ("description", "item_type", "esco_uri", "sfia_code"):
        if text_field in values and values[text_field] is None:
            values[text_field] = ""
    if values.get("external_ids", {}) is None:
        values["external_ids"] = {}
    if "sort_order" in values and values["sort_order"] is None:
        del values["sort_order"]
    return _update(request, code, comp_code, version, values)


@router.put("/frameworks/{code}/competencies/{comp_code}",
            response={200: CompetencyDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            summary="Replace a competency in the draft (fields left out take their defaults)")
def put_competency(request: HttpRequest, code: str, comp_code: str, payload: CompetencyIn,
                   version: int | None = None) -> dict[str, Any]:
    require_editor(request)
    values = payload.dict()
    if values["sort_order"] is None:
        del values["sort_order"]  # keep its place among siblings
    return _update(request, code, comp_code, version, values)


@router.delete("/frameworks/{code}/competencies/{comp_code}",
               response={204: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
               summary="Remove a competency and its subtree from the draft")
def delete_competency(request: HttpRequest, code: str, comp_code: str,
                      version: int | None = None) -> Status:
    require_editor(request)
    target = queries.editable_version(services.resolve_framework(code), version)
    services.delete_competency(queries.competency_in(target, comp_code), request.user)
    return Status(204, None)


# ---------------------------------------------------------------- relations

@router.post("/frameworks/{code}/competencies/{comp_code}/relations",
             response={201: RelationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="Relate a competency in the draft to another competency or an external item")
def add_relation(request: HttpRequest, code: str, comp_code: str, payload: RelationIn,
                 version: int | None = None) -> Status:
    require_editor(request)
    framework = services.resolve_framework(code)
    target_version = queries.editable_version(framework, version)
    source = queries.competency_in(target_version, comp_code)
    target = None
    if payload.target:
        if payload.target_framework and payload.target_framework != framework.code:
            try:
                other = services.resolve_framework(payload.target_framework)
                where = queries.version_or_default(other, payload.target_version)
            except (Framework.DoesNotExist, FrameworkVersion.DoesNotExist) as missing:
                raise ValidationError({"target_framework": str(missing)}) from None
        else:
            where = target_version
        target = queries.referenced_competency(where, payload.target, "target")
    relation = services.add_relation(source, request.user, kind=payload.kind, target=target,
                                     target_uri=payload.target_uri, target_title=payload.target_title)
    relation = (Relation.objects.select_related("source__version__framework", "target__version__framework")
                .get(pk=relation.pk))
    return Status(201, relation_out(relation))


@router.delete("/frameworks/{code}/competencies/{comp_code}/relations",
               response={204: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
               summary="Remove a relation, named by uuid or by kind and target")
def remove_relation(request: HttpRequest, code: str, comp_code: str,
                    ref: RelationRef = Query(...)) -> Status:
    require_editor(request)
    target_version = queries.editable_version(services.resolve_framework(code), ref.version)
    source = queries.competency_in(target_version, comp_code)
    for relation in queries.relations_matching(source, uuid=ref.uuid, kind=ref.kind, target=ref.target,
                                               target_uri=ref.target_uri):
        services.remove_relation(relation, request.user)
    return Status(204, None)


# ---------------------------------------------------------------- search

@router.get("/competencies/search", response=list[SearchHitOut],
            summary="Search competencies across frameworks (each framework's default version)")
@paginate(PageNumberPagination, page_size=50)
def search_competencies(request: HttpRequest, filters: SearchFilters = Query(...)) -> QuerySet[Competency]:
    require_reader(request)
    return queries.search_competencies(filters.q, kind=filters.kind)
