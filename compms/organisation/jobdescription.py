"""Job descriptions generated from a role's DACUM chart and requirement profile.

One set of facts (`job_description_data`) feeds three renderings: printable HTML, Markdown and PDF.
PDF comes from the machine's Chromium printing that same HTML (no PDF library to install): the HTML is
self-contained (inline CSS, a Content-Security-Policy forbidding any fetch), so Chromium prints it
from a temporary file without touching the network.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from compms.organisation.models import Requirement, Role, Task
from compms.organisation.pages_queries import dacum_chart, effective_scale_id, level_texts, requirement_profile

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--no-pdf-header-footer")
PDF_TIMEOUT_SECONDS = 60


def chromium_path() -> str:
    # Read at call time so an installation (or a test) can point elsewhere without a restart.
    return os.environ.get("COMPMS_CHROMIUM", "/usr/bin/chromium")


def chromium_available() -> bool:
    chromium = chromium_path()
    return Path(chromium).is_file() and os.access(chromium, os.X_OK)


class PdfUnavailable(Exception):
    """No Chromium on this machine, or it failed: the caller answers 503 with this message."""


@dataclass(frozen=True)
class TaskNeed:
    code: str
    name: str
    level: int
    standard: str


@dataclass(frozen=True)
class JobTask:
    code: str
    title: str
    frequency: str
    importance: int | None
    needs: list[TaskNeed]


@dataclass(frozen=True)
class JobDuty:
    letter: str
    title: str
    tasks: list[JobTask]


@dataclass(frozen=True)
class ProfileEntry:
    code: str
    name: str
    framework: str
    kind: str
    level: int
    level_name: str
    level_descriptor: str
    indicator: str
    criticality: str
    context: str


@dataclass(frozen=True)
class JobDescription:
    role_name: str
    external_id: str
    family: str
    grade: str
    purpose: str
    duties: list[JobDuty]
    essential: list[ProfileEntry]
    desirable: list[ProfileEntry]
    generated_on: dt.date

    @property
    def task_count(self) -> int:
        return sum(len(duty.tasks) for duty in self.duties)


def job_description_data(role: Role) -> JobDescription:
    """Everything a job description says about a role, in a fixed number of queries."""
    chart = dacum_chart(role)
    profile = requirement_profile(role, chart)
    frequency_names = dict(Task.Frequency.choices)
    duties = [
        JobDuty(row.letter, row.duty.title, [
            JobTask(card.code, card.task.title, frequency_names.get(card.task.frequency, ""), card.task.importance,
                    [TaskNeed(tc.competency.code, tc.competency.name, tc.level, tc.get_standard_display())
                     for tc in card.competencies])
            for card in row.cards
        ])
        for row in chart
    ]
    requirements = [line.requirement for line in profile]
    scale_levels, indicators = level_texts((req.competency, req.level) for req in requirements)
    entries: dict[str, list[ProfileEntry]] = {Requirement.Criticality.ESSENTIAL: [],
                                              Requirement.Criticality.DESIRABLE: []}
    for req in requirements:
        competency = req.competency
        scale_level = scale_levels.get((effective_scale_id(competency), req.level))
        entries.setdefault(req.criticality, []).append(ProfileEntry(
            code=competency.code,
            name=competency.name,
            framework=competency.version.framework.code,
            kind=competency.get_kind_display(),
            level=req.level,
            level_name=scale_level.name if scale_level else "",
            level_descriptor=scale_level.descriptor if scale_level else "",
            indicator=indicators.get((competency.pk, req.level), ""),
            criticality=req.get_criticality_display(),
            context=req.context.name if req.context_id else "",
        ))
    return JobDescription(
        role_name=role.name, external_id=role.external_id, family=role.family, grade=role.grade,
        purpose=role.purpose, duties=duties,
        essential=entries[Requirement.Criticality.ESSENTIAL],
        desirable=entries[Requirement.Criticality.DESIRABLE],
        generated_on=timezone.localdate(),
    )


# ---------------------------------------------------------------- Markdown

_MARKDOWN_SPECIALS = re.compile(r"([\\`*\[\]<>|#])")
# An underscore inside a word (SAF_01) is plain text in CommonMark; only one at a word edge can emphasise.
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def md(text: str) -> str:
    """Inline text made safe for Markdown: one line, markup characters escaped."""
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join((text or "").split()))
    return _EDGE_UNDERSCORE.sub(r"\\_", escaped)


def md_block(text: str) -> str:
    """A paragraph that keeps its own line breaks (purpose, descriptors)."""
    return "\n".join(md(line) for line in (text or "").strip().splitlines())


def render_markdown(data: JobDescription) -> str:
    lines = [f"# Job description: {md(data.role_name)}", ""]
    facts = [f"Role id: {md(data.external_id)}"]
    if data.family:
        facts.append(f"Family: {md(data.family)}")
    if data.grade:
        facts.append(f"Grade: {md(data.grade)}")
    lines += [" · ".join(facts), "", "## Purpose", "", md_block(data.purpose) or "_Not stated._", ""]
    lines += ["## Duties and tasks", ""]
    if not data.duties:
        lines += ["_No duties recorded._", ""]
    for duty in data.duties:
        lines += [f"### {duty.letter}. {md(duty.title)}", ""]
        if not duty.tasks:
            lines += ["_No tasks recorded._", ""]
        for task in duty.tasks:
            detail = [part for part in (task.frequency,
                                        f"importance {task.importance}/5" if task.importance else "") if part]
            lines.append(f"- **{task.code}** {md(task.title)}" + (f" ({', '.join(detail)})" if detail else ""))
            for need in task.needs:
                lines.append(f"  - needs {md(need.code)} {md(need.name)} at level {need.level} "
                             f"({need.standard.lower()})")
        lines.append("")
    lines += ["## Competency profile", ""]
    if not data.essential and not data.desirable:
        lines += ["_No requirements recorded._", ""]
    for heading, entries in (("Essential", data.essential), ("Desirable", data.desirable)):
        if not entries:
            continue
        lines += [f"### {heading}", ""]
        for entry in entries:
            level = f"level {entry.level}" + (f" {md(entry.level_name)}" if entry.level_name else "")
            lines += [f"#### {md(entry.code)} {md(entry.name)}: {level}", ""]
            lines.append(f"- Framework: {md(entry.framework)} · {md(entry.kind)}")
            if entry.context:
                lines.append(f"- Context: {md(entry.context)}")
            if entry.level_descriptor:
                lines.append(f"- Level descriptor: {md(entry.level_descriptor)}")
            if entry.indicator:
                lines.append(f"- At this level: {md(entry.indicator)}")
            lines.append("")
    lines.append(f"_Generated by CompMS on {data.generated_on.isoformat()}._")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- HTML and PDF


def render_html(request: HttpRequest | None, data: JobDescription, *, for_print: bool = False) -> str:
    """The printable page. `for_print` drops the on-screen toolbar (download links) for the PDF."""
    return render_to_string("organisation/job_description.html",
                            {"jd": data, "for_print": for_print}, request=request)


def render_pdf(html: str) -> bytes:
    """Print the HTML to PDF with headless Chromium. Raises PdfUnavailable when it cannot."""
    chromium = chromium_path()
    if not chromium_available():
        raise PdfUnavailable(f"PDF needs Chromium at {chromium}, which is not installed on this server. "
                             "Use the printable page (your browser can save it as PDF) or the Markdown file.")
    with tempfile.TemporaryDirectory(prefix="compms-jd-") as folder:
        source = Path(folder) / "job-description.html"
        target = Path(folder) / "job-description.pdf"
        source.write_text(html, encoding="utf-8")
        # A throw-away profile per run: concurrent requests must not fight over one profile lock.
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={Path(folder) / 'profile'}",
                   f"--print-to-pdf={target}", source.as_uri()]
        try:
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=PDF_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"Chromium did not finish the PDF within {PDF_TIMEOUT_SECONDS} seconds.") from None
        except OSError as exc:
            raise PdfUnavailable(f"Chromium could not be started: {exc.strerror}.") from None
        if not target.exists() or target.stat().st_size == 0:
            raise PdfUnavailable("Chromium ran but produced no PDF.")
        return target.read_bytes()
