"""The only writers of the competency dictionary. Each function validates, then writes inside one
transaction together with its audit record. Views, API endpoints and commands all call these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from compms.access.frameworks import require_dictionary_editor
from compms.audit.services import record, snapshot
from compms.frameworks.models import (
    Competency,
    Framework,
    FrameworkVersion,
    LevelIndicator,
    Relation,
    Scale,
    ScaleLevel,
)
from compms.validation import web_link_problem

COMPETENCY_FIELDS = ("code", "name", "description", "kind", "item_type", "sort_order", "esco_uri",
                     "sfia_code", "external_ids", "parent_id", "scale_id")


def check_editor(actor: Any) -> None:
    # Trusted internal callers (demo builder, commands) pass SYSTEM; None is refused.
    require_dictionary_editor(actor)


def check_draft(version: FrameworkVersion) -> None:
    if not version.is_editable:
        raise ValidationError({"version": f"{version.framework.code} v{version.number} is {version.status}: "
                                          "make a new draft version to edit it."})


@dataclass(frozen=True)
class LevelSpec:
    value: int
    name: str
    descriptor: str = ""


DEFAULT_LEVELS = (
    LevelSpec(0, "None", "No knowledge or experience of this competency."),
    LevelSpec(1, "Awareness", "Knows what it is and why it matters; works under close supervision."),
    LevelSpec(2, "Working", "Does routine work correctly with occasional guidance."),
    LevelSpec(3, "Practitioner", "Works independently, including non-routine situations."),
    LevelSpec(4, "Advanced", "Handles complex work, guides and assesses others."),
    LevelSpec(5, "Expert", "Recognised authority; sets standards and improves practice."),
)


# ---------------------------------------------------------------- frameworks and versions

@transaction.atomic
def create_framework(*, code: str, name: str, actor: Any, description: str = "",
                     levels: Iterable[LevelSpec] = DEFAULT_LEVELS, scale_name: str = "Proficiency",
                     publisher: str = "", rollup_policy: str = "default") -> FrameworkVersion:
    """A new framework with version 1 as a draft and its default scale."""
    check_editor(actor)
    code = (code or "").strip()
    errors = {}
    if not code:
        errors["code"] = "A framework needs a code."
    elif Framework.objects.filter(code=code).exists():
        errors["code"] = f"A framework with code {code!r} already exists."
    if not (name or "").strip():
        errors["name"] = "A framework needs a name."
    if errors:
        raise ValidationError(errors)
    framework = Framework(code=code, name=name.strip(), description=description, publisher=publisher,
                          rollup_policy=rollup_policy)
    framework.full_clean()
    framework.save()
    version = FrameworkVersion.objects.create(framework=framework, number=1,
                                              created_by=actor if _is_user(actor) else None)
    # The framework's own audit record covers its default scale.
    scale = _new_scale(version, code="default", name=scale_name, levels=levels)
    version.default_scale = scale
    version.save(update_fields=["default_scale"])
    record(actor, "framework.create", framework, after=snapshot(framework))
    return version


def _is_user(actor: Any) -> bool:
    return getattr(actor, "is_authenticated", False)


@transaction.atomic
def create_scale(version: FrameworkVersion, *, code: str, name: str, levels: Iterable[LevelSpec],
                 actor: Any, description: str = "") -> Scale:
    check_editor(actor)
    scale = _new_scale(version, code=code, name=name, levels=levels, description=description)
    record(actor, "scale.create", scale,
           after={"code": code, "levels": sorted(scale.levels.values_list("value", flat=True))})
    return scale


def _new_scale(version: FrameworkVersion, *, code: str, name: str, levels: Iterable[LevelSpec],
               description: str = "") -> Scale:
    check_draft(version)
    specs = sorted(levels, key=lambda spec: spec.value)
    values = [spec.value for spec in specs]
    if not specs or values[0] != 0:
        raise ValidationError({"levels": "A scale starts at level 0, which means 'none'."})
    if values != list(range(len(values))):
        raise ValidationError({"levels": f"Levels must be 0..n without gaps or repeats; got {values}."})
    if Scale.objects.filter(version=version, code=code).exists():
        raise ValidationError({"code": f"Scale {code!r} already exists in this version."})
    scale = Scale.objects.create(version=version, code=code, name=name, description=description)
    ScaleLevel.objects.bulk_create(
        ScaleLevel(scale=scale, value=spec.value, name=spec.name, descriptor=spec.descriptor) for spec in specs
    )
    return scale


@transaction.atomic
def publish(version: FrameworkVersion, actor: Any) -> FrameworkVersion:
    check_editor(actor)
    version = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    check_draft(version)
    if not version.competencies.exists():
        raise ValidationError({"version": "An empty version cannot be published."})
    now = timezone.now()
    version.status = FrameworkVersion.Status.PUBLISHED
    version.published_at = now
    version.published_by = actor if _is_user(actor) else None
    version.save(update_fields=["status", "published_at", "published_by"])
    record(actor, "framework.publish", version, after={"status": version.status, "number": version.number})
    return version


@transaction.atomic
def retire(version: FrameworkVersion, actor: Any) -> FrameworkVersion:
    check_editor(actor)
    version = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != FrameworkVersion.Status.PUBLISHED:
        raise ValidationError({"version": "Only a published version can be retired."})
    version.status = FrameworkVersion.Status.RETIRED
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_at"])
    record(actor, "framework.retire", version, after={"status": version.status})
    return version


@transaction.atomic
def new_version(framework: Framework, actor: Any, source: FrameworkVersion | None = None) -> FrameworkVersion:
    """Copy a version (default: the latest published) into a new draft. Competency and relation
    uuids are kept, so identities stay stable across versions."""
    check_editor(actor)
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    if framework.draft() is not None:
        raise ValidationError({"version": f"{framework.code} already has a draft (v{framework.draft().number})."})
    source = source or framework.latest_published() or framework.versions.order_by("-number").first()
    if source is None:
        raise ValidationError({"version": "There is no version to copy."})
    number = (framework.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = FrameworkVersion.objects.create(framework=framework, number=number,
                                            created_by=actor if _is_user(actor) else None,
                                            notes=f"Copied from v{source.number}")
    copy_version_content(source, draft)
    record(actor, "framework.new_version", draft, after={"number": number, "copied_from": source.number})
    return draft


def copy_version_content(source: FrameworkVersion, target: FrameworkVersion) -> None:
    scale_map: dict[int, Scale] = {}
    for scale in source.scales.prefetch_related("levels"):
        copy = Scale.objects.create(version=target, code=scale.code, name=scale.name,
                                    description=scale.description, case_identifier=scale.case_identifier)
        ScaleLevel.objects.bulk_create(
            ScaleLevel(scale=copy, value=lvl.value, name=lvl.name, descriptor=lvl.descriptor,
                       case_identifier=lvl.case_identifier) for lvl in scale.levels.all()
        )
        scale_map[scale.pk] = copy
    if source.default_scale_id:
        target.default_scale = scale_map[source.default_scale_id]
        target.save(update_fields=["default_scale"])
    old = list(source.competencies.order_by("id"))
    copies = [
        Competency(version=target, uuid=c.uuid, code=c.code, name=c.name, description=c.description,
                   kind=c.kind, item_type=c.item_type, sort_order=c.sort_order, esco_uri=c.esco_uri,
                   sfia_code=c.sfia_code, external_ids=c.external_ids, extra=c.extra,
                   scale=scale_map.get(c.scale_id) if c.scale_id else None)
        for c in old
    ]
    Competency.objects.bulk_create(copies, batch_size=2000)
    by_old_id = {c.pk: copy for c, copy in zip(old, copies)}
    # bulk_create sets pks on PostgreSQL and SQLite >= 3.35; reload by uuid to be safe on any backend.
    by_uuid = {c.uuid: c for c in target.competencies.all()}
    by_old_id = {old_id: by_uuid[copy.uuid] for old_id, copy in by_old_id.items()}
    parents = []
    for c in old:
        if c.parent_id:
            child = by_old_id[c.pk]
            child.parent = by_old_id[c.parent_id]
            parents.append(child)
    Competency.objects.bulk_update(parents, ["parent"], batch_size=2000)
    LevelIndicator.objects.bulk_create(
        (LevelIndicator(competency=by_old_id[i.competency_id], level=i.level, text=i.text)
         for i in LevelIndicator.objects.filter(competency__version=source)), batch_size=2000,
    )
    Relation.objects.bulk_create(
        (Relation(version=target, uuid=r.uuid, source=by_old_id[r.source_id], kind=r.kind,
                  # A relation inside the copied version follows the copy; one to another framework stays.
                  target=by_old_id.get(r.target_id, r.target) if r.target_id else None,
                  target_uri=r.target_uri, target_identifier=r.target_identifier, target_title=r.target_title,
                  case_type=r.case_type, extra=r.extra)
         for r in Relation.objects.filter(version=source).select_related("target")), batch_size=2000,
    )


# ---------------------------------------------------------------- competencies

def _validate_competency(version: FrameworkVersion, data: dict[str, Any], instance: Competency | None) -> None:
    errors: dict[str, str] = {}
    code = (data.get("code") or "").strip()
    if not code:
        errors["code"] = "A competency needs a code."
    else:
        clash = Competency.objects.filter(version=version, code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["code"] = f"Code {code!r} is already used in {version.framework.code} v{version.number}."
    if not (data.get("name") or "").strip():
        errors["name"] = "A competency needs a name."
    if data.get("kind") not in Competency.Kind.values:
        errors["kind"] = f"Kind must be one of {', '.join(Competency.Kind.values)}."
    parent_id = data.get("parent_id")
    if parent_id is not None:
        parent = Competency.objects.filter(pk=parent_id, version=version).first()
        if parent is None:
            errors["parent"] = "The parent must be a competency of the same framework version."
        elif instance is not None and _is_descendant_or_self(parent, instance):
            errors["parent"] = "A competency cannot sit under itself or one of its own descendants."
    scale_id = data.get("scale_id")
    if scale_id is not None and not Scale.objects.filter(pk=scale_id, version=version).exists():
        errors["scale"] = "The scale must belong to the same framework version."
    if data.get("esco_uri") and web_link_problem(data["esco_uri"]):
        errors["esco_uri"] = f"ESCO URI: {web_link_problem(data['esco_uri'])}"
    if errors:
        raise ValidationError(errors)


def _is_descendant_or_self(candidate: Competency, ancestor: Competency) -> bool:
    node: Competency | None = candidate
    seen = set()
    while node is not None and node.pk not in seen:
        if node.pk == ancestor.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def _validate_indicators(competency: Competency, indicators: dict[int, str]) -> None:
    scale = competency.effective_scale()
    top = scale.max_level if scale else 0
    bad = sorted(level for level, text in indicators.items() if text.strip() and (level < 1 or level > top))
    if bad:
        raise ValidationError({"indicators": f"Level {bad[0]} is beyond the scale "
                               f"{scale.name if scale else '(none)'} (levels 1..{top})."})


@transaction.atomic
def create_competency(version: FrameworkVersion, actor: Any, *, code: str, name: str, kind: str = "skill",
                      description: str = "", parent: Competency | None = None, item_type: str = "",
                      sort_order: int | None = None, scale: Scale | None = None, esco_uri: str = "",
                      sfia_code: str = "", external_ids: dict | None = None,
                      indicators: dict[int, str] | None = None) -> Competency:
    check_editor(actor)
    check_draft(version)
    data = {"code": code, "name": name, "kind": kind, "parent_id": parent.pk if parent else None,
            "scale_id": scale.pk if scale else None, "esco_uri": esco_uri}
    _validate_competency(version, data, None)
    if sort_order is None:
        sort_order = (Competency.objects.filter(version=version, parent=parent).aggregate(m=Max("sort_order"))["m"]
                      or 0) + 1
    competency = Competency.objects.create(
        version=version, code=code.strip(), name=name.strip(), kind=kind, description=description,
        parent=parent, item_type=item_type, sort_order=sort_order, scale=scale, esco_uri=esco_uri,
        sfia_code=sfia_code, external_ids=external_ids or {},
    )
    if indicators:
        _validate_indicators(competency, indicators)
        LevelIndicator.objects.bulk_create(
            LevelIndicator(competency=competency, level=level, text=text) for level, text in indicators.items()
            if text.strip()
        )
    record(actor, "competency.create", competency, after={**snapshot(competency, COMPETENCY_FIELDS),
                                                          "indicators": indicators or {}})
    return competency


def _indicator_map(competency: Competency) -> dict[int, str]:
    return {i.level: i.text for i in competency.indicators.all()}


@transaction.atomic
def update_competency(competency: Competency, actor: Any, *, indicators: dict[int, str] | None = None,
                      **changes: Any) -> Competency:
    """Change fields of a competency in a draft. `changes` may hold any of COMPETENCY_FIELDS
    (use parent_id / scale_id for the links); `indicators` replaces the level indicators."""
    check_editor(actor)
    competency = Competency.objects.select_for_update().select_related("version").get(pk=competency.pk)
    check_draft(competency.version)
    unknown = set(changes) - set(COMPETENCY_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    before = {**snapshot(competency, COMPETENCY_FIELDS), "indicators": _indicator_map(competency)}
    data = {**before, **changes}
    _validate_competency(competency.version, data, competency)
    for name, value in changes.items():
        setattr(competency, name, value.strip() if isinstance(value, str) and name in ("code", "name") else value)
    competency.save()
    if indicators is not None:
        _validate_indicators(competency, indicators)
        competency.indicators.all().delete()
        LevelIndicator.objects.bulk_create(
            LevelIndicator(competency=competency, level=level, text=text) for level, text in indicators.items()
            if text.strip()
        )
    after = {**snapshot(competency, COMPETENCY_FIELDS), "indicators": _indicator_map(competency)}
    record(actor, "competency.update", competency, before=before, after=after)
    return competency


def _subtree_ids(competency: Competency) -> list[int]:
    ids, frontier = [competency.pk], [competency.pk]
    while frontier:
        frontier = list(Competency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


@transaction.atomic
def delete_competency(competency: Competency, actor: Any) -> None:
    """Remove a competency and its subtree from a draft; published versions keep theirs. Refused
    while another version's relations point into the subtree, so no other version changes."""
    check_editor(actor)
    check_draft(competency.version)
    subtree = _subtree_ids(competency)
    outside = (Relation.objects.filter(target_id__in=subtree).exclude(version=competency.version)
               .select_related("source__version__framework"))
    if outside.exists():
        names = ", ".join(sorted({f"{r.source.version.framework.code} v{r.source.version.number} {r.source.code}"
                                  for r in outside[:5]}))
        raise ValidationError({"competency": f"Other versions relate to {competency.code} or below it ({names}): "
                               "remove those relations first."})
    removed = list(Competency.objects.filter(pk__in=subtree))
    record(actor, "competency.delete", competency, before=snapshot(competency, COMPETENCY_FIELDS),
           note=f"{len(removed) - 1} competencies below it removed too: "
                + ", ".join(sorted(c.code for c in removed if c.pk != competency.pk))[:2000])
    competency.delete()


@transaction.atomic
def add_relation(source: Competency, actor: Any, *, kind: str, target: Competency | None = None,
                 target_uri: str = "", target_title: str = "") -> Relation:
    check_editor(actor)
    check_draft(source.version)
    if kind not in Relation.Kind.values:
        raise ValidationError({"kind": f"Relation kind must be one of {', '.join(Relation.Kind.values)}."})
    if target is None and not target_uri:
        raise ValidationError({"target": "Name a target competency or an external URI."})
    if target is not None and target.pk == source.pk:
        raise ValidationError({"target": "A competency cannot relate to itself."})
    if target is not None and target.version_id != source.version_id and \
            target.version.status != FrameworkVersion.Status.PUBLISHED:
        raise ValidationError({"target": "A competency in another framework must be in a published version."})
    duplicate = Relation.objects.filter(source=source, kind=kind, target=target,
                                        target_uri=target_uri if target is None else "")
    if duplicate.exists():
        raise ValidationError({"target": "This relation already exists."})
    relation = Relation.objects.create(version=source.version, source=source, kind=kind, target=target,
                                       target_uri=target_uri, target_title=target_title)
    record(actor, "relation.create", relation, after=snapshot(relation, ["kind", "source_id", "target_id",
                                                                          "target_uri"]))
    return relation


@transaction.atomic
def remove_relation(relation: Relation, actor: Any) -> None:
    check_editor(actor)
    check_draft(relation.version)
    record(actor, "relation.delete", relation, before=snapshot(relation, ["kind", "source_id", "target_id",
                                                                           "target_uri"]))
    relation.delete()


# ---------------------------------------------------------------- reading helpers

def resolve_framework(ref: str) -> Framework:
    """A framework by code or by CASE document identifier."""
    ref = (ref or "").strip()
    framework = Framework.objects.filter(code=ref).first()
    if framework is None:
        try:
            framework = Framework.objects.filter(case_identifier=ref).first()
        except (ValueError, ValidationError):
            framework = None
    if framework is None:
        raise Framework.DoesNotExist(f"No framework with code or CASE identifier {ref!r}.")
    return framework


@dataclass(frozen=True)
class VersionDiff:
    added: list[Competency]
    removed: list[Competency]
    changed: list[tuple[Competency, Competency, list[str]]]


COMPARED_FIELDS = ("code", "name", "description", "kind", "item_type", "esco_uri", "sfia_code", "external_ids",
                   "sort_order")


def compare_versions(old: FrameworkVersion, new: FrameworkVersion) -> VersionDiff:
    """Competencies added, removed and changed between two versions, matched by uuid."""
    def load(version: FrameworkVersion) -> dict[Any, Competency]:
        items = version.competencies.select_related("parent", "scale").prefetch_related(
            "indicators", "relations_out__target")
        return {c.uuid: c for c in items}

    def relations(c: Competency) -> set[tuple[str, Any, str]]:
        return {(r.kind, r.target.uuid if r.target_id else None, r.target_uri) for r in c.relations_out.all()}

    before, after = load(old), load(new)
    changed = []
    for key in sorted(before.keys() & after.keys(), key=lambda k: after[k].code):
        a, b = before[key], after[key]
        fields = [f for f in COMPARED_FIELDS if getattr(a, f) != getattr(b, f)]
        if (a.parent.uuid if a.parent else None) != (b.parent.uuid if b.parent else None):
            fields.append("parent")
        if _indicator_map(a) != _indicator_map(b):
            fields.append("indicators")
        if (a.scale.code if a.scale else None) != (b.scale.code if b.scale else None):
            fields.append("scale")
        if relations(a) != relations(b):
            fields.append("relations")
        if fields:
            changed.append((a, b, fields))
    return VersionDiff(
        added=sorted((after[k] for k in after.keys() - before.keys()), key=lambda c: c.code),
        removed=sorted((before[k] for k in before.keys() - after.keys()), key=lambda c: c.code),
        changed=changed,
    )
