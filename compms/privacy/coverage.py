"""Which relations to a Person or a log-in the subject-access export covers, and how.

`person_relations()` walks Django's model meta for every field that points at Person or User, so a model
added later is found without anyone remembering this file; the test in tests/privacy fails until the new
relation is listed in `RELATIONS` as one of:

- `About`: the rows are about the person (their evidence, their enrolments): exported whole;
- `ActedOn`: the person acted on rows about someone else (recorded evidence, supervised a logbook entry):
  exported as references only (how many, which ids), because the content is another person's data;
- `Excluded`: deliberately not exported, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from compms.organisation.models import Person


@dataclass(frozen=True)
class About:
    title: str
    # Fields left out of the rows (never secrets in an export, e.g. token hashes).
    omit: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActedOn:
    title: str


@dataclass(frozen=True)
class Excluded:
    reason: str


Coverage = About | ActedOn | Excluded

RELATIONS: dict[str, Coverage] = {
    # -- the person and their log-in
    "organisation.Person.user": Excluded("The log-in is exported in the `account` section of the person record."),
    "organisation.Person.manager": ActedOn("People who report to them"),
    "accounts.ApiToken.user": About("API tokens (names and dates)", omit=("key_hash", "hint")),
    "audit.AuditEntry.actor": Excluded("Exported in the `audit_by_them` section (what, when, on which object)."),
    "admin.LogEntry.user": ActedOn("Changes made in the Django admin"),
    # -- organisation
    "organisation.Position.holder": About("Positions held now"),
    "organisation.PersonMove.person": About("Moves (unit, manager, position, leaving)"),
    "organisation.PersonMove.recorded_by": ActedOn("Moves they recorded for others"),
    "organisation.Requirement.changed_by": ActedOn("Role requirements they changed"),
    "frameworks.FrameworkVersion.created_by": ActedOn("Framework versions they created"),
    "frameworks.FrameworkVersion.published_by": ActedOn("Framework versions they published"),
    # -- evidence
    "evidence.Evidence.person": About("Evidence (every record, including superseded and revoked)"),
    "evidence.Evidence.recorded_by": ActedOn("Evidence they recorded"),
    "evidence.Evidence.assessor": ActedOn("Evidence they assessed"),
    "evidence.Evidence.changed_by": ActedOn("Evidence they superseded or revoked"),
    "evidence.EvidenceAttachment.uploaded_by": ActedOn("Attachments they uploaded"),
    "evidence.ImportBatch.imported_by": ActedOn("Evidence imports they ran"),
    "evidence.CurrentProficiency.person": About("Current proficiency"),
    "evidence.Claim.person": About("Claims and their reviews"),
    "evidence.Claim.created_by": ActedOn("Claims they raised"),
    "assessments.Assessment.person": About("Assessments against the standard of them (drafts and submitted)"),
    "assessments.Assessment.assessor": ActedOn("Assessments they carried out as assessor"),
    "assessments.AssessmentStandard.updated_by": ActedOn("Assessment standards they set"),
    "authorisations.Grant.person": About("Authorisations to work granted to them"),
    "authorisations.Grant.granted_by": ActedOn("Authorisations to work they granted"),
    "authorisations.GrantEvent.by": ActedOn("Authorisation grants they suspended, reinstated or revoked"),
    "authorisations.Authorisation.granters": ActedOn("Authorisations to work they may grant"),
    "evidence.Claim.reviewed_by": ActedOn("Claims they reviewed"),
    "evidence.AssessorRegistration.person": About("Assessor registrations"),
    "evidence.AssessorRegistration.created_by": ActedOn("Assessor registrations they made"),
    # -- strategy and campaigns
    "strategy.Objective.owner": About("Strategic objectives they own"),
    "strategy.Objective.created_by": ActedOn("Strategic objectives they created"),
    "strategy.Scenario.created_by": ActedOn("Scenarios they created"),
    "campaigns.Audit.created_by": ActedOn("Competency audits they opened"),
    "campaigns.Audit.closed_by": ActedOn("Competency audits they closed"),
    "campaigns.Participant.person": About("Competency audit participation"),
    "campaigns.Participant.manager": ActedOn("Audit participants they managed"),
    "campaigns.Participant.reviewed_by": ActedOn("Audit participants they reviewed"),
    "campaigns.SnapshotLine.person": About("Competency audit snapshot lines"),
    # -- logbook
    "logbook.Entry.person": About("Logbook entries"),
    "logbook.Entry.supervisor": ActedOn("Logbook entries they supervise"),
    "logbook.Entry.reviewed_by": ActedOn("Logbook entries they reviewed"),
    # -- development
    "development.DevelopmentPlan.person": About("Development plan"),
    "development.DevelopmentPlan.approved_by": ActedOn("Development plans they approved"),
    "development.DevelopmentNeed.person": About("Development needs"),
    "development.DevelopmentNeed.created_by": ActedOn("Development needs they created"),
    "development.PlanAction.mentor": ActedOn("Plan actions where they are the mentor"),
    "development.PlanAction.created_by": ActedOn("Plan actions they created"),
    "development.Commission.created_by": ActedOn("Training commissions they raised"),
    "development.MentorPreference.person": About("Mentor preference (whether colleagues see their levels)"),
    # -- training
    "training.Session.trainer": ActedOn("Training sessions they run"),
    "training.Enrolment.person": About("Enrolments"),
    "training.Enrolment.requested_by": ActedOn("Enrolments they requested"),
    "training.Enrolment.decided_by": ActedOn("Enrolments they decided"),
    "training.Completion.person": About("Training completions"),
    "training.XapiStatement.person": About("xAPI statements about them"),
    "training.XapiStatement.received_by": ActedOn("xAPI statements they sent"),
    # -- succession
    "succession.KeyPosition.marked_by": ActedOn("Key positions they marked"),
    "succession.Nomination.person": About("Succession nominations"),
    "succession.Nomination.nominated_by": ActedOn("Nominations they made"),
    "succession.ReadinessOverride.person": About("Readiness overrides"),
    "succession.ReadinessOverride.made_by": ActedOn("Readiness overrides they made"),
    "succession.TalentPool.created_by": ActedOn("Talent pools they created"),
    "succession.PoolMember.person": About("Talent pool memberships"),
    "succession.PoolMember.added_by": ActedOn("Talent pool members they added"),
    "succession.TalentRating.person": About("Talent (9-box) ratings about them"),
    "succession.TalentRating.rater": ActedOn("Talent ratings they gave"),
    "succession.Goal.person": About("Career goals"),
    # -- personal data itself
    "privacy.Anonymisation.person": About("Anonymisation"),
    "privacy.Anonymisation.actor": ActedOn("Anonymisations they made"),
}

# Rows about the person reached through another of their rows rather than a direct key.
NESTED: dict[str, tuple[str, str]] = {
    # section: (model label, lookup from that model to the person)
    "evidence.EvidenceAttachment.evidence": ("evidence.EvidenceAttachment", "evidence__person"),
    "development.PlanAction.plan": ("development.PlanAction", "plan__person"),
}
NESTED_TITLES = {
    "evidence.EvidenceAttachment.evidence": "Evidence attachments (file names and types; the files themselves on "
                                            "request)",
    "development.PlanAction.plan": "Development plan actions",
}


@dataclass(frozen=True)
class Relation:
    key: str
    model: type[models.Model]
    field: models.Field
    to_user: bool

    @property
    def lookup(self) -> str:
        return self.field.name


def person_relations() -> list[Relation]:
    """Every concrete relation (FK, one-to-one, many-to-many) from any installed model to Person or User."""
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not field.is_relation or field.auto_created or field.related_model not in (Person, user_model):
                continue
            key = f"{model._meta.app_label}.{model.__name__}.{field.name}"
            found.append(Relation(key=key, model=model, field=field, to_user=field.related_model is user_model))
    return found


def uncovered(relations: list[Relation] | None = None) -> list[str]:
    return sorted(r.key for r in (relations if relations is not None else person_relations()) if r.key not in RELATIONS)
