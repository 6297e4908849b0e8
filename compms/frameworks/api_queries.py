"""Read-only queries behind the dictionary API: finding a framework's versions and competencies,
and the set-based list and search queries. Nothing here writes; writes go through services.py.

Each lookup that can miss raises the model's DoesNotExist with a message a caller can show as is
(the API turns it into a 404), or ValidationError when the miss is in what the caller sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet

from compms.frameworks import queries
from compms.frameworks.models import (
    Competency,
    Framework,
    FrameworkVersion,
    Relation,
    Scale,
)

Status = FrameworkVersion.Status


# ---------------------------------------------------------------- versions

def version_label(version: FrameworkVersion) -> str:
    return f"{version.framework.code} v{version.number}"


def version_number(framework: Framework, number: int) -> FrameworkVersion:
    version = (FrameworkVersion.objects.select_related("framework", "default_scale")
               .filter(framework=framework, number=number).first())
    if version is None:
        raise FrameworkVersion.DoesNotExist(f"{framework.code} has no version {number}.")
    return version


def default_version(framework: Framework) -> FrameworkVersion:
    """The version readers see when they name none (the rule lives in `queries.default_version`)."""
    version = queries.default_version(FrameworkVersion.objects.select_related("framework", "default_scale")
                                      .filter(framework=framework))
    if version is None:
        raise FrameworkVersion.DoesNotExist(f"{framework.code} has no version yet.")
    return version


def version_or_default(framework: Framework, number: int | None) -> FrameworkVersion:
    return default_version(framework) if number is None else version_number(framework, number)


def editable_version(framework: Framework, number: int | None) -> FrameworkVersion:
    """The version a write goes to: the one named, or else the framework's draft. Whether the named
    version may be edited is left to the services, which name its status when it may not."""
    if number is not None:
        return version_number(framework, number)
    draft = (FrameworkVersion.objects.select_related("framework", "default_scale")
             .filter(framework=framework, status=Status.DRAFT).order_by("-number").first())
    if draft is None:
        latest = framework.versions.order_by("-number").first()
        state = f" (v{latest.number} is {latest.status})" if latest else ""
        raise ValidationError({"version": f"{framework.code} has no draft version{state}: make one with "
                                          f"POST /api/v1/frameworks/{framework.code}/versions, then edit it."})
    return draft


def versions_with_counts(framework: Framework) -> list[FrameworkVersion]:
    return list(framework.versions.select_related("default_scale")
                .annotate(competency_count=Count("competencies", distinct=True))
                .order_by("number"))


def version_with_counts(framework: Framework, number: int) -> FrameworkVersion:
    version = (FrameworkVersion.objects.select_related("framework", "default_scale")
               .filter(framework=framework, number=number)
               .annotate(competency_count=Count("competencies", distinct=True),
                         relation_count=Count("relations", distinct=True))
               .first())
    if version is None:
        raise FrameworkVersion.DoesNotExist(f"{framework.code} has no version {number}.")
    return version


# ---------------------------------------------------------------- frameworks

FRAMEWORK_STATUSES = tuple(Status.values)


def framework_list(*, status: str | None = None, q: str | None = None) -> QuerySet[Framework]:
    """Frameworks with their published, draft and latest version numbers. `status` keeps those that
    have at least one version in that status; `q` matches code or name (case-insensitive)."""
    if status and status not in FRAMEWORK_STATUSES:
        raise ValidationError({"status": f"Status must be one of {', '.join(FRAMEWORK_STATUSES)}."})
    frameworks = Framework.objects.annotate(
        published_version=Max("versions__number", filter=Q(versions__status=Status.PUBLISHED)),
        draft_version=Max("versions__number", filter=Q(versions__status=Status.DRAFT)),
        latest_version=Max("versions__number"),
    ).order_by("code")
    if status:
        frameworks = frameworks.filter(
            Exists(FrameworkVersion.objects.filter(framework=OuterRef("pk"), status=status)))
    if q and q.strip():
        term = q.strip()
        frameworks = frameworks.filter(Q(code__icontains=term) | Q(name__icontains=term))
    return frameworks


# ---------------------------------------------------------------- competencies

KINDS = tuple(Competency.Kind.values)


def _check_kind(kind: str | None) -> None:
    if kind and kind not in KINDS:
        raise ValidationError({"kind": f"Kind must be one of {', '.join(KINDS)}."})


def competency_list(version: FrameworkVersion, *, q: str | None = None, kind: str | None = None,
                    parent: str | None = None, top_level: bool = False) -> QuerySet[Competency]:
    """The competencies of one version, in code order, each with its parent's code and its number of
    children. `parent` keeps the direct children of the competency with that code (none if the code
    is unknown); `top_level` keeps those without a parent; `q` matches code, name or description."""
    _check_kind(kind)
    items = (Competency.objects.filter(version=version)
             .annotate(parent_code=F("parent__code"), children_count=Count("children"))
             .order_by("code"))
    if q and q.strip():
        term = q.strip()
        items = items.filter(Q(code__icontains=term) | Q(name__icontains=term) | Q(description__icontains=term))
    if kind:
        items = items.filter(kind=kind)
    if parent:
        items = items.filter(parent__code=parent)
    if top_level:
        items = items.filter(parent__isnull=True)
    return items


def competency_in(version: FrameworkVersion, code: str) -> Competency:
    competency = (Competency.objects.select_related("version__framework", "version__default_scale", "parent",
                                                    "scale")
                  .filter(version=version, code=code).first())
    if competency is None:
        raise Competency.DoesNotExist(f"No competency {code!r} in {version_label(version)}.")
    return competency


def referenced_competency(version: FrameworkVersion, code: str, field: str) -> Competency:
    """A competency named inside a request body: a miss is the caller's input error (400), not 404."""
    competency = Competency.objects.filter(version=version, code=code).first()
    if competency is None:
        raise ValidationError({field: f"No competency {code!r} in {version_label(version)}."})
    return competency


def referenced_scale(version: FrameworkVersion, code: str, field: str = "scale") -> Scale:
    scale = Scale.objects.filter(version=version, code=code).first()
    if scale is None:
        raise ValidationError({field: f"No scale {code!r} in {version_label(version)}."})
    return scale


@dataclass(frozen=True)
class CompetencyDetail:
    competency: Competency
    children: list[str]
    indicators: dict[int, str]
    scale: Scale | None
    relations_out: list[Relation]
    relations_in: list[Relation]


def competency_detail(competency: Competency) -> CompetencyDetail:
    """Everything the detail view shows, in a fixed handful of queries whatever the tree size."""
    scale = competency.effective_scale()
    if scale is not None:
        scale = Scale.objects.prefetch_related("levels").get(pk=scale.pk)
    return CompetencyDetail(
        competency=competency,
        children=list(competency.children.order_by("sort_order", "code").values_list("code", flat=True)),
        indicators={row.level: row.text for row in competency.indicators.order_by("level")},
        scale=scale,
        relations_out=list(Relation.objects.filter(source=competency)
                           .select_related("source__version__framework", "target__version__framework")
                           .order_by("kind", "target__code", "target_uri")),
        relations_in=list(Relation.objects.filter(target=competency)
                          .select_related("source__version__framework", "target__version__framework")
                          .order_by("kind", "source__code")),
    )


def scales_of(version: FrameworkVersion) -> list[Scale]:
    return list(Scale.objects.filter(version=version).prefetch_related("levels").order_by("code"))


def relations_matching(source: Competency, *, uuid: Any = None, kind: str | None = None,
                       target: str | None = None, target_uri: str | None = None) -> list[Relation]:
    """The outgoing relations of `source` named by uuid, or by kind plus target code or URI."""
    relations = Relation.objects.filter(source=source).select_related("version")
    if uuid is not None:
        relations = relations.filter(uuid=uuid)
    else:
        if not kind or not (target or target_uri):
            raise ValidationError({"relation": "Name the relation by uuid, or by kind and target "
                                               "(or kind and target_uri)."})
        relations = relations.filter(kind=kind)
        relations = relations.filter(target__code=target) if target else relations.filter(target_uri=target_uri)
    found = list(relations)
    if not found:
        raise Relation.DoesNotExist(f"{source.code} has no such relation in {version_label(source.version)}.")
    return found


# ---------------------------------------------------------------- search across frameworks

def default_version_ids() -> list[int]:
    """The id of every framework's default version (see `default_version`), from one query."""
    rank = {Status.PUBLISHED: 0, Status.DRAFT: 1, Status.RETIRED: 2}
    best: dict[int, tuple[int, int, int]] = {}
    for version_id, framework_id, status, number in FrameworkVersion.objects.values_list(
            "id", "framework_id", "status", "number"):
        key = (rank[status], -number, version_id)
        if framework_id not in best or key < best[framework_id]:
            best[framework_id] = key
    return [key[2] for key in best.values()]


def search_competencies(q: str, *, kind: str | None = None) -> QuerySet[Competency]:
    """Competencies whose code, name or description contains `q`, in each framework's default
    version, ordered by framework then code."""
    term = (q or "").strip()
    if not term:
        raise ValidationError({"q": "Give a word or code to search for."})
    _check_kind(kind)
    items = (Competency.objects.filter(version_id__in=default_version_ids())
             .filter(Q(code__icontains=term) | Q(name__icontains=term) | Q(description__icontains=term))
             .annotate(framework_code=F("version__framework__code"), version_number=F("version__number"),
                       version_status=F("version__status"), parent_code=F("parent__code"))
             .order_by("version__framework__code", "code"))
    if kind:
        items = items.filter(kind=kind)
    return items
