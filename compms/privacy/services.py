"""Personal data writers: recording a subject-access export, and anonymising a leaver.

Anonymisation replaces what names the person (name, e-mail, employee id, the log-in's user name, e-mail and
names, their name in free text elsewhere) with a stable pseudonym, and keeps every fact: evidence, moves,
enrolments and audit entries still point at the same Person row, so counts and gap figures do not change.
Append-only tables are never rewritten: evidence names the person through its key (a note or reason there that
names them is blanked, which its triggers allow), and the audit trail, whose rows are chained and cannot change,
shows an anonymised person under the pseudonym when it is read (`queries.mask_audit_entries`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet

from compms.access.base import is_system, is_user
from compms.access.privacy import require_anonymiser, require_export_allowed
from compms.audit.models import AuditEntry
from compms.audit.services import record
from compms.organisation.models import Person
from compms.privacy.models import Anonymisation, AuditRedaction
from compms.privacy.queries import subject_access_export

# Tables never rewritten: append-only (the audit trail), the person record itself, or no personal text.
NOT_SCRUBBED = frozenset({"audit.auditentry", "organisation.person", "accounts.user", "privacy.anonymisation",
                          "privacy.auditredaction", "sessions.session", "contenttypes.contenttype",
                          "auth.permission", "auth.group"})
# Append-only evidence tables: their database triggers let free text be blanked for erasure, never rewritten
# (compms/evidence/migrations/0002_append_only_in_database.py). A value there that names the person is emptied.
# A text that names the person: (pattern, the text for the database filter, what replaces it).
Needle = tuple[re.Pattern[str], str, str]
BLANK_ONLY: dict[str, frozenset[str]] = {
    "evidence.evidence": frozenset({"note", "reason"}),
    "evidence.claim": frozenset({"note", "review_comment"}),
    "evidence.evidenceattachment": frozenset({"name"}),
}
# A bare name shorter than this is not searched for in other people's text: too many false matches.
MIN_NAME_TO_SCRUB = 5
EMAIL_REMOVED = "[e-mail removed]"


def retention_years() -> int:
    return int(getattr(settings, "COMPMS_RETENTION_YEARS", 6))


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def retention_ends(person: Person, years: int | None = None) -> dt.date | None:
    if person.left_on is None:
        return None
    return add_years(person.left_on, retention_years() if years is None else years)


def due_for_anonymisation(today: dt.date, years: int | None = None) -> QuerySet[Person]:
    """Leavers whose retention period has ended by `today` and who are not anonymised yet."""
    years = retention_years() if years is None else years
    # left_on + years <= today  <=>  left_on <= today - years (29 Feb rounds down to 28 Feb, as add_years).
    latest_left_on = add_years(today, -years)
    return Person.objects.filter(active=False, left_on__isnull=False, left_on__lte=latest_left_on,
                                 anonymisation__isnull=True).select_related("unit").order_by("left_on", "pk")


def pseudonym_token(person: Person, length: int = 8) -> str:
    """Stable for the same person and installation, not derivable from the person's data."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"compms.privacy:{person.pk}".encode(), hashlib.sha256)
    return digest.hexdigest()[:length].upper()


def _free_token(person: Person) -> str:
    for length in (8, 12, 16, 24, 32):
        token = pseudonym_token(person, length)
        taken = Anonymisation.objects.filter(pseudonym=token).exists() or Person.objects.filter(
            employee_id=f"ANON-{token}").exclude(pk=person.pk).exists()
        if not taken:
            return token
    raise RuntimeError("no free pseudonym")  # 32 hex digits of HMAC colliding: not in this universe


def check_anonymisable(person: Person, today: dt.date, *, early_reason: str = "") -> None:
    """Raise ValidationError unless the person may be anonymised now."""
    if person.active or person.left_on is None:
        raise ValidationError({"person": "This person has not left: only leavers are anonymised. Record the "
                                         "leaving date first."})
    ends = retention_ends(person)
    if ends is not None and ends > today and not early_reason.strip():
        raise ValidationError({"reason": f"The retention period ({retention_years()} years after leaving) ends on "
                                         f"{ends.isoformat()}. To anonymise earlier (an erasure request, for "
                                         "example) give the reason."})


def _distinctive(name: str) -> bool:
    """A bare name worth searching for in everyone's text: two words or more, and not too short. A single word
    ("Kim", "Employee") is searched for only in the person's own rows (`_name_parts`)."""
    return len(name.split()) >= 2 and len(name.strip()) >= MIN_NAME_TO_SCRUB


def _needles(person: Person, label: str, new_employee_id: str, new_username: str) -> list[Needle]:
    """What names the person in free text, longest first: (pattern, the text for the database filter, what
    replaces it). A one-word name, and a user name made of letters only (it may be an ordinary word:
    "employee", "manager"), are not searched for in other people's text."""
    found: list[tuple[str, bool, str]] = [(str(person), False, f"{label} ({new_employee_id})"),
                                          (person.email, False, EMAIL_REMOVED)]
    if _distinctive(person.name):
        found.append((person.name.strip(), True, label))
    if len(person.employee_id) >= 3:
        found.append((person.employee_id, True, new_employee_id))
    user = person.user
    if user is not None:
        found.append((user.email, False, EMAIL_REMOVED))
        full = user.get_full_name().strip()
        if _distinctive(full):
            found.append((full, True, label))
        if len(user.username) >= MIN_NAME_TO_SCRUB and not user.username.isalpha():
            found.append((user.username, True, new_username))
    seen: set[str] = set()
    result = []
    for text, whole_words, replacement in sorted(found, key=lambda item: -len(item[0])):
        if not text or text.lower() in seen:
            continue
        seen.add(text.lower())
        body = re.escape(text)
        pattern = re.compile(rf"(?<!\w){body}(?!\w)" if whole_words else body, re.IGNORECASE)
        result.append((pattern, text, replacement))
    return result


def _scrubbable_fields(model: type[models.Model]) -> tuple[list[models.Field], list[models.Field]]:
    """The free-text and JSON columns of a table that may be rewritten ([], [] for tables never rewritten)."""
    label = model._meta.label_lower
    if label in NOT_SCRUBBED or not model._meta.managed or model._meta.proxy:
        return [], []
    blank_only = BLANK_ONLY.get(label)
    text_fields = [f for f in model._meta.concrete_fields
                   if isinstance(f, (models.CharField, models.TextField)) and not f.choices and not f.unique
                   and not f.primary_key and (blank_only is None or f.name in blank_only)]
    json_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.JSONField) and blank_only is None]
    return text_fields, json_fields


def _scrub_rows(model: type[models.Model], rows: list[models.Model], needles: list[Needle]) -> int:
    """Rewrite (or, on append-only evidence tables, blank) every value of these rows that names the person;
    one bulk update for the rows that changed."""
    text_fields, json_fields = _scrubbable_fields(model)
    blank = model._meta.label_lower in BLANK_ONLY
    changed_rows: list[models.Model] = []
    dirty_fields: set[str] = set()
    changed_values = 0
    for row in rows:
        row_changed = False
        for field in text_fields + json_fields:
            value = getattr(row, field.attname)
            if value in (None, "", [], {}):
                continue
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            new = _replace_all(text, needles)
            if new == text:
                continue
            setattr(row, field.attname, "" if blank else (new if isinstance(value, str) else json.loads(new)))
            dirty_fields.add(field.name)
            row_changed = True
            changed_values += 1
        if row_changed:
            changed_rows.append(row)
    if changed_rows:
        model._default_manager.bulk_update(changed_rows, sorted(dirty_fields), batch_size=500)
    return changed_values


def _scrub_text_fields(needles: list[Needle]) -> int:
    """Rewrite the person's names in every free-text column of every table, wherever they appear (a
    colleague's move that names them as manager, a session's trainer name). One query per table to find the
    rows (an OR of `icontains`), one bulk update per table."""
    changed = 0
    for model in apps.get_models():
        text_fields, _json_fields = _scrubbable_fields(model)
        condition = Q()
        for field in text_fields:
            for _pattern, text, _replacement in needles:
                condition |= Q(**{f"{field.name}__icontains": text})
        if condition:
            changed += _scrub_rows(model, list(model._default_manager.filter(condition)), needles)
    return changed


def _own_rows(person: Person) -> dict[type[models.Model], models.QuerySet]:
    """The rows about the person (the `About` relations and nested rows of the export), by table."""
    from compms.privacy.coverage import NESTED, RELATIONS, About, person_relations

    found: dict[type[models.Model], models.QuerySet] = {}
    for relation in person_relations():
        if not isinstance(RELATIONS.get(relation.key), About):
            continue
        target = person.user_id if relation.to_user else person.pk
        if target is not None:
            rows = relation.model._default_manager.filter(**{relation.lookup: target})
            found[relation.model] = found[relation.model] | rows if relation.model in found else rows
    for label, lookup in NESTED.values():
        model = apps.get_model(label)
        found[model] = model._default_manager.filter(**{lookup: person.pk})
    return found


def _scrub_own_rows(person: Person, needles: list[Needle]) -> int:
    """On the person's own rows a first or last name alone is theirs too ("Quinn's laptop", "Quinn delivers")."""
    return sum(_scrub_rows(model, list(rows), needles) for model, rows in _own_rows(person).items()
               if any(_scrubbable_fields(model)))


def _name_parts(person: Person, label: str) -> list[Needle]:
    parts = set(person.name.split())
    if person.user_id:
        parts |= {person.user.first_name.strip(), person.user.last_name.strip()}
    return [(re.compile(rf"(?<!\w){re.escape(part)}(?!\w)", re.IGNORECASE), part, label)
            for part in sorted(parts, key=len, reverse=True) if len(part) >= 3]


def _scrub_xapi_actors(person: Person, token: str, needles: list[Needle]) -> int:
    """An xAPI statement is kept as sent, and its actor carries the learner's name and e-mail: replace the actor
    of the person's statements by an account agent named with the pseudonym."""
    from compms.training.models import XapiStatement

    statements = list(XapiStatement.objects.filter(person=person))
    for statement in statements:
        raw = _replace_in_json(statement.raw or {}, needles)
        raw["actor"] = {"objectType": "Agent", "account": {"homePage": "urn:compms:anonymised", "name": token}}
        statement.raw = raw
    XapiStatement.objects.bulk_update(statements, ["raw"], batch_size=500)
    return len(statements)


def _replace_all(text: str, needles: list[Needle]) -> str:
    for pattern, _text, replacement in needles:
        # Replacements are literal text: a backslash in one is not a group reference.
        text = pattern.sub(replacement.replace("\\", "\\\\"), text)
    return text


def _replace_in_json(value: Any, needles: list[Needle]) -> Any:
    if value is None:
        return None
    return json.loads(_replace_all(json.dumps(value, ensure_ascii=False), needles))


def _rename_user(snapshot: Any, old_username: str, new_username: str) -> Any:
    if isinstance(snapshot, dict):
        return {key: (new_username if key in ("username", "user") and value == old_username
                      else _rename_user(value, old_username, new_username)) for key, value in snapshot.items()}
    if isinstance(snapshot, list):
        return [_rename_user(value, old_username, new_username) for value in snapshot]
    return snapshot


def _redact_audit(done: Anonymisation, needles: list[Needle], own_needles: list[Needle],
                  own_targets: dict[str, list[str]], *, user: Any, old_username: str) -> int:
    """Give every audit entry that names the person a redaction (see AuditRedaction): one scan of the audit
    table for all the person's names, then one bulk write. An entry already redacted for someone else is
    redacted further from its redacted values."""
    condition = Q(object_type="organisation.person", object_id=str(done.person_id))
    for _pattern, text, _replacement in needles:
        # JSON snapshots may hold the text escaped (non-ASCII letters as \uXXXX): look for both spellings.
        escaped = json.dumps(text)[1:-1]
        condition |= Q(object_repr__icontains=text) | Q(note__icontains=text)
        for spelling in {text, escaped}:
            condition |= Q(before__icontains=spelling) | Q(after__icontains=spelling)
    # The person's own records (and their log-in): there a first or last name alone is theirs too.
    own_objects = {(object_type, object_id) for object_type, ids in own_targets.items() for object_id in ids}
    for object_type, ids in own_targets.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=ids)
    if user is not None:
        own_objects.add(("accounts.user", str(user.pk)))
        condition |= Q(actor_id=user.pk) | Q(object_type="accounts.user", object_id=str(user.pk))
    new_username = user.get_username() if user is not None else ""
    redactions = {r.entry_id: r for r in AuditRedaction.objects.filter(
        entry_id__in=AuditEntry.objects.filter(condition).values("pk"))}
    changed: list[AuditRedaction] = []
    for entry in AuditEntry.objects.filter(condition).order_by("pk").iterator(chunk_size=2000):
        source: Any = redactions.get(entry.pk, entry)
        own = (entry.object_type, entry.object_id) in own_objects
        use = own_needles if own else needles
        actor_name = source.actor_name
        if user is not None and entry.actor_id == user.pk:
            actor_name = new_username
        values = {"actor_name": actor_name, "object_repr": _replace_all(source.object_repr, use)[:300],
                  "before": _replace_in_json(source.before, use), "after": _replace_in_json(source.after, use),
                  "note": _replace_all(source.note, use)}
        if own and old_username:
            # A user name made of letters only ("employee") is not searched for in text, where it may be an
            # ordinary word (or a role); on the log-in's own entries it is replaced where it stands for them.
            if values["object_repr"] == old_username:
                values["object_repr"] = new_username
            values["before"] = _rename_user(values["before"], old_username, new_username)
            values["after"] = _rename_user(values["after"], old_username, new_username)
        if entry.object_type == "organisation.person" and entry.object_id == str(done.person_id):
            values["object_repr"] = str(done.person)
        if all(values[name] == getattr(source, name) for name in values):
            continue
        redaction = redactions.get(entry.pk) or AuditRedaction(entry_id=entry.pk, anonymisation=done)
        for name, value in values.items():
            setattr(redaction, name, value)
        changed.append(redaction)
    AuditRedaction.objects.bulk_create([r for r in changed if r.pk is None], batch_size=1000)
    AuditRedaction.objects.bulk_update([r for r in changed if r.pk is not None],
                                       ["actor_name", "object_repr", "before", "after", "note"], batch_size=1000)
    return len(changed)


@transaction.atomic
def anonymise_person(person: Person, actor: Any, *, today: dt.date, early_reason: str = "") -> Anonymisation:
    """Anonymise one leaver. Idempotent: a person already anonymised is returned unchanged, with no new audit
    record. Refuses a person who has not left, or whose retention period has not ended unless `early_reason`."""
    require_anonymiser(actor)
    person = Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
    done = Anonymisation.objects.filter(person=person).first()
    if done is not None:
        return done
    check_anonymisable(person, today, early_reason=early_reason)
    early = retention_ends(person) > today  # type: ignore[operator]
    token = _free_token(person)
    label = f"Former employee {token}"
    new_employee_id = f"ANON-{token}"
    new_username = f"former-{token.lower()}"
    needles = _needles(person, label, new_employee_id, new_username)
    own_needles = needles + _name_parts(person, label)
    scrubbed = (_scrub_text_fields(needles) + _scrub_own_rows(person, own_needles)
                + _scrub_xapi_actors(person, token, own_needles))
    own_audit_targets = {model._meta.label_lower: [str(pk) for pk in rows.values_list("pk", flat=True)]
                         for model, rows in _own_rows(person).items()}

    old_username = person.user.get_username() if person.user_id else ""
    person.name = label
    person.email = ""
    person.employee_id = new_employee_id
    person.save(update_fields=["name", "email", "employee_id"])
    user = person.user
    if user is not None:
        user.username = new_username
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.set_unusable_password()
        user.save(update_fields=["username", "email", "first_name", "last_name", "password"])
        from compms.accounts.services import end_access

        # After the rename, so the records it writes carry the pseudonymous user name.
        end_access([user.pk], actor, reason="anonymised")
    done = Anonymisation.objects.create(
        person=person, pseudonym=token, left_on=person.left_on, retention_years=retention_years(), early=early,
        reason=early_reason.strip() if early else "", actor=actor if is_user(actor) else None,
        scrubbed_rows=scrubbed)
    redacted = _redact_audit(done, needles, own_needles, own_audit_targets, user=user, old_username=old_username)
    # No personal data in the record: the pseudonym, the rule applied, and how much text was rewritten.
    record(actor, "privacy.anonymise", person, object_repr=str(person), after={
        "pseudonym": token, "left_on": person.left_on, "retention_years": retention_years(), "early": early,
        "scrubbed_rows": scrubbed, "redacted_audit_entries": redacted,
        "by": "nightly run" if is_system(actor) else "HR"},
        note=done.reason)
    return done


@transaction.atomic
def export_person_data(person: Person, actor: Any) -> dict[str, Any]:
    """The subject-access export, with its audit record (who exported whose data, how many records)."""
    require_export_allowed(actor, person)
    name = actor.get_username() if is_user(actor) else "system"
    data = subject_access_export(person, generated_by=name)
    record(actor, "privacy.export", person, after={
        "sections": {key: section["count"] for key, section in data["sections"].items() if section["count"]},
        "audit_entries": len(data["audit_about_them"])})
    return data
