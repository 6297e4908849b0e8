"""Competence about to lapse, and the reminder mails about it (and about open audit tasks).

`expiring_competence` is the one read behind the /evidence/expiring/ page and `compms remind`:
stored current proficiencies whose winning evidence stops counting within the next N days. A row
whose `valid_until` is already past is not "expiring", it has expired (and shows as a gap).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import QuerySet

from compms.evidence import proficiency as prof
from compms.evidence.models import CurrentProficiency
from compms.organisation.models import Person


@dataclass(frozen=True)
class ExpiringItem:
    person_id: int
    employee_id: str
    person: str
    email: str
    unit: str
    manager_id: int | None
    manager: str | None
    manager_email: str
    framework: str
    code: str
    name: str
    level: int
    source: str | None
    valid_until: dt.date

    @property
    def days_left(self) -> int:
        return (self.valid_until - prof.today()).days


def expiring_competence(people: QuerySet[Person], days: int, as_of: dt.date | None = None) -> list[ExpiringItem]:
    """Held competence of these (active) people that lapses within `days` days, soonest first."""
    as_of = as_of or prof.today()
    rows = list(CurrentProficiency.objects.filter(
        person__in=people.filter(active=True), status=CurrentProficiency.Status.HELD,
        valid_until__gte=as_of, valid_until__lte=as_of + dt.timedelta(days=days),
    ).values_list("person_id", "person__employee_id", "person__name", "person__email", "person__unit__name",
                  "person__manager_id", "person__manager__name", "person__manager__email", "competency_uuid",
                  "level", "source", "valid_until"))
    labels = prof.competency_labels({row[8] for row in rows})
    items = []
    for (person_id, employee_id, name, email, unit, manager_id, manager, manager_email, comp_uuid, level, source,
         valid_until) in rows:
        label = labels.get(comp_uuid)
        items.append(ExpiringItem(
            person_id=person_id, employee_id=employee_id, person=name, email=email or "", unit=unit,
            manager_id=manager_id, manager=manager, manager_email=manager_email or "",
            framework=label.framework if label else "", code=label.code if label else str(comp_uuid),
            name=label.name if label else "", level=level, source=source, valid_until=valid_until))
    items.sort(key=lambda item: (item.valid_until, item.unit, item.person, item.code))
    return items


def _line(item: ExpiringItem) -> str:
    return f"- {item.code} {item.name} (level {item.level}, {item.source}): last valid day {item.valid_until:%Y-%m-%d}"


def expiry_messages(items: list[ExpiringItem], days: int) -> list[tuple[str, str, str, list[str]]]:
    """One mail per person with an e-mail address, one per manager listing their direct reports."""
    sender = settings.DEFAULT_FROM_EMAIL
    per_person: dict[int, list[ExpiringItem]] = defaultdict(list)
    per_manager: dict[int, list[ExpiringItem]] = defaultdict(list)
    for item in items:
        per_person[item.person_id].append(item)
        if item.manager_id is not None:
            per_manager[item.manager_id].append(item)
    mails = []
    for person_items in per_person.values():
        first = person_items[0]
        if not first.email:
            continue
        body = (f"Hello {first.person},\n\nThis competence of yours stops counting within {days} days:\n"
                + "\n".join(_line(i) for i in person_items)
                + "\n\nRenew it (new assessment, certificate or training) before it lapses.\n")
        mails.append((f"CompMS: {len(person_items)} competence record(s) expiring soon", body, sender,
                      [first.email]))
    for manager_items in per_manager.values():
        first = manager_items[0]
        if not first.manager_email:
            continue
        lines = "\n".join(f"{i.person} ({i.employee_id}) {_line(i)[2:]}" for i in manager_items)
        body = (f"Hello {first.manager},\n\nCompetence of your team that stops counting within {days} days:\n"
                f"{lines}\n")
        mails.append((f"CompMS: your team has {len(manager_items)} competence record(s) expiring soon", body,
                      sender, [first.manager_email]))
    return mails


def send_expiry_reminders(days: int) -> int:
    """Mail everyone with competence lapsing within `days` days, and their managers; returns mails sent."""
    messages = expiry_messages(expiring_competence(Person.objects.all(), days), days)
    return send_mass_mail(messages, fail_silently=False) if messages else 0
