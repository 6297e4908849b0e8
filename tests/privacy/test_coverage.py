"""Every relation to a Person or a log-in is either exported or excluded with a reason: a model added later with
such a key makes this test fail until someone decides what the export does with it."""

from __future__ import annotations

from compms.privacy.coverage import RELATIONS, Excluded, person_relations, uncovered


def test_every_relation_to_a_person_or_a_login_is_covered():
    assert uncovered() == [], "list these in compms/privacy/coverage.py RELATIONS (About, ActedOn or Excluded)"


def test_no_listed_relation_is_stale():
    existing = {relation.key for relation in person_relations()}
    assert sorted(set(RELATIONS) - existing) == []


def test_every_exclusion_says_why():
    assert all(len(c.reason) > 20 for c in RELATIONS.values() if isinstance(c, Excluded))


def test_the_walk_finds_the_relations_named_in_the_brief():
    keys = {relation.key for relation in person_relations()}
    assert {"evidence.Evidence.person", "succession.TalentRating.person", "training.XapiStatement.person",
            "logbook.Entry.person", "accounts.ApiToken.user", "audit.AuditEntry.actor"} <= keys
