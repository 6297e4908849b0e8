"""The demo organisation: Kestrel Energy, a fictional energy company.

Five divisions (Operations with its regions, sites and shifts; Maintenance; Engineering; Health, Safety
and Environment; Corporate Services with Finance, HR, IT and Procurement), about 180 job roles with
DACUM charts drawn from duty templates per role family, requirement profiles derived from the tasks,
people with managers, positions (some vacant), start dates and a few leavers.

Built for size: `employees` may be 40,000. Everything is planned in Python first, with primary keys
assigned up front (after the current maximum) so that Unit.path and Person.manager_path are written in
the same INSERT. Small tables go through bulk_create; the big ones (people, positions, history, tasks and
profiles) through insert_rows: executemany on SQLite, COPY on PostgreSQL. PostgreSQL sequences are
moved past the explicit keys afterwards. The audit trail gets one summary row per bulk step (a demo
build is one trusted operation, not 100,000 individual edits). Spans of control stay within 5-12 for
the most part and never above 12 up to about 60,000 people.

Deterministic: one seed gives the same organisation. All randomness comes from random.Random streams
seeded from the seed and a purpose label; nothing depends on database ids or set ordering. Dates are
relative to `today` (default: the current date), so the same seed on another day shifts dates only.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max, Model
from django.utils import timezone

from compms.audit.services import record_many
from compms.frameworks.demo import resolve_refs
from compms.organisation.models import (
    Duty,
    Person,
    PersonMove,
    Position,
    Requirement,
    Role,
    Task,
    TaskCompetency,
    Unit,
)

COMPANY = "Kestrel Energy"
EMAIL_DOMAIN = "kestrel-energy.example"
MIN_EMPLOYEES = 60
MAX_SPAN = 12        # a manager with more staff than this gets team leads in between
TEAM_SIZE = 11       # staff per team lead once leads are needed
TEAM_UNIT_CAP = 110  # a unit with more staff than this is split into team sub-units
LEAVER_SHARE = 0.015
VACANCY_SHARE = 0.04
BATCH = 5000
AUDIT_ACTOR = "demo builder"

P, K, B = "performance", "knowledge", "behaviour"
STANDARD_LETTERS = {"P": P, "K": K, "B": B}

# ============================================================================ DACUM duty templates
# Each task names 1-3 competencies as "ALIAS:CODE LEVEL STANDARD" (see compms.frameworks.demo aliases).
# Levels are what a fully competent holder of a standard-grade role needs; a role's grade offset shifts
# them (trainees -1, seniors +1, principals +2), clamped to 1..5.


@dataclass(frozen=True)
class TaskTemplate:
    title: str
    frequency: str
    importance: int
    needs: tuple[tuple[str, int, str], ...]


@dataclass(frozen=True)
class DutyTemplate:
    title: str
    tasks: tuple[TaskTemplate, ...]


def T(title: str, frequency: str, importance: int, *needs: str) -> TaskTemplate:
    parsed = []
    for need in needs:
        ref, level, letter = need.split()
        parsed.append((ref, int(level), STANDARD_LETTERS[letter]))
    return TaskTemplate(title, frequency, importance, tuple(parsed))


def DT(title: str, *tasks: TaskTemplate) -> DutyTemplate:
    return DutyTemplate(title, tasks)


DUTIES: dict[str, DutyTemplate] = {
    # ------------------------------------------------------------------ operations
    "op_field_run": DT(
        "Operate plant in the field",
        T("Carry out routine plant rounds and record readings", "daily", 3, "OPS:PLT.01 3 P", "OPS:PLT.08 2 K"),
        T("Start up and shut down pumps, compressors and other equipment on instruction", "weekly", 4,
          "OPS:PLT.02 3 P", "OPS:PSM.07 2 K"),
        T("Take process samples and deliver them to the laboratory", "daily", 2, "OPS:PLT.04 3 P",
          "OPS:HAZ.02 2 P"),
        T("Operate utility systems to keep the process supplied", "daily", 3, "OPS:PLT.06 3 P"),
        T("Line up and monitor product transfers", "weekly", 4, "OPS:PLT.07 3 P", "OPS:ENV.04 2 K"),
        T("Report leaks, defects and abnormal conditions", "daily", 4, "OPS:PLT.01 3 P", "MAINT:MPL.01 1 K"),
    ),
    "op_field_ptw": DT(
        "Prepare plant for maintenance under the permit-to-work system",
        T("Drain, depressurise and purge equipment before handing it over", "weekly", 5, "OPS:SSW.02 3 P",
          "OPS:PSM.01 2 K"),
        T("Apply and record process isolations", "weekly", 5, "OPS:SSW.02 3 P", "OPS:SSW.01 2 P"),
        T("Carry out gas tests before and during work", "daily", 5, "OPS:SSW.04 3 P"),
        T("Act as standby person for confined space entry", "monthly", 5, "OPS:SSW.03 2 P", "OPS:EMR.06 2 P"),
        T("Return equipment to service after work is complete", "weekly", 4, "OPS:SSW.01 2 P",
          "OPS:PLT.02 3 P"),
    ),
    "op_emergency": DT(
        "Respond to abnormal situations and emergencies",
        T("Raise the alarm and muster when the site alarm sounds", "rarely", 5, "OPS:EMR.01 2 P"),
        T("Tackle small fires with portable equipment", "rarely", 5, "OPS:EMR.02 2 P"),
        T("Give first aid to injured colleagues", "rarely", 4, "OPS:EMR.03 2 P"),
        T("Contain spills and protect drains", "rarely", 4, "OPS:EMR.05 2 P", "OPS:ENV.02 1 K"),
        T("Take part in emergency exercises", "quarterly", 3, "OPS:EMR.01 2 P", "LEAD:TWK.01 2 B"),
        T("Use breathing apparatus to make safe or to rescue", "rarely", 5, "OPS:EMR.06 3 P",
          "OPS:HAZ.01 2 K"),
    ),
    "op_handover": DT(
        "Keep records and hand over the shift",
        T("Write the shift log", "daily", 3, "OPS:PLT.05 2 P", "LEAD:COM.01 2 P"),
        T("Hand over plant status, live permits and defects to the incoming shift", "daily", 4,
          "OPS:PLT.05 3 P", "LEAD:COM.03 2 B"),
        T("Read and acknowledge changes to procedures and plant", "weekly", 3, "OPS:PLT.08 2 K",
          "OPS:PSM.02 1 K"),
    ),
    "op_control_room": DT(
        "Control the process from the control room",
        T("Monitor the process and keep it within its operating envelope", "daily", 5, "OPS:PLT.03 3 P",
          "OPS:PSM.07 3 K"),
        T("Respond to process alarms", "daily", 5, "OPS:PSM.04 3 P", "LEAD:DEC.01 2 B"),
        T("Diagnose and recover process upsets", "weekly", 5, "OPS:PLT.03 3 P", "OPS:PSM.01 3 K",
          "LEAD:DEC.01 3 B"),
        T("Direct field operators during start-ups, shutdowns and upsets", "weekly", 4, "OPS:PLT.03 3 P",
          "LEAD:COM.02 2 P"),
        T("Manage inhibits and overrides of safety systems", "weekly", 5, "OPS:PSM.03 3 K", "OPS:PSM.02 2 P"),
        T("Optimise throughput and energy use within limits", "daily", 3, "OPS:PLT.03 3 P", "OPS:ENV.04 2 P"),
    ),
    "op_permit_authority": DT(
        "Authorise and control work on the plant",
        T("Review and issue permits to work", "daily", 5, "OPS:SSW.01 4 P", "OPS:SSW.06 3 P"),
        T("Check isolations before work is released", "daily", 5, "OPS:SSW.02 4 P"),
        T("Coordinate simultaneous operations across the area", "daily", 4, "OPS:SSW.07 3 K",
          "LEAD:DEC.04 3 P"),
        T("Hold the daily permit meeting", "daily", 3, "OPS:SSW.01 3 P", "LEAD:COM.02 3 P"),
        T("Audit live work sites against their permits", "weekly", 4, "OPS:SSW.01 4 P", "LEAD:SLD.02 3 B"),
    ),
    "op_shift_lead": DT(
        "Lead the shift team",
        T("Brief the team at the start of the shift", "daily", 4, "LEAD:COM.02 3 P", "LEAD:SLD.01 3 B"),
        T("Allocate work and cover absences", "daily", 3, "LEAD:PPL.06 3 P", "LEAD:DEC.04 3 P"),
        T("Coach and assess operators working towards competence", "weekly", 3, "LEAD:PPL.02 3 P",
          "CORP:HRM.08 2 P"),
        T("Review performance and development with each team member", "quarterly", 3, "LEAD:PPL.01 3 P"),
        T("Take command of incidents until relieved", "rarely", 5, "OPS:EMR.04 3 P", "LEAD:DEC.01 3 B"),
        T("Investigate near misses and share the lessons", "monthly", 4, "LEAD:SLD.03 3 B",
          "MAINT:REL.04 2 P"),
    ),
    "op_production": DT(
        "Manage production performance",
        T("Set the production plan with the commercial team", "weekly", 4, "LEAD:DIR.03 3 K", "LEAD:DEC.04 3 P"),
        T("Review plant performance and losses", "weekly", 4, "ENG:PRO.03 2 K", "CORP:DAT.01 2 P"),
        T("Agree maintenance priorities with the maintenance manager", "weekly", 4, "MAINT:MPL.02 2 K",
          "LEAD:COM.04 3 B"),
        T("Approve changes to plant and procedures", "monthly", 5, "OPS:PSM.02 4 P", "ENG:EPR.05 2 P"),
        T("Report performance to the site leadership team", "monthly", 3, "LEAD:COM.01 3 P", "LEAD:COM.02 3 P"),
    ),
    "op_compliance": DT(
        "Keep operations compliant",
        T("Check emissions records against permit limits", "weekly", 4, "OPS:ENV.01 3 P", "OPS:ENV.03 3 K"),
        T("Prepare the site for regulator inspections", "yearly", 4, "OPS:ENV.03 3 K", "OPS:PSM.03 3 K"),
        T("Track safety-critical equipment that is impaired", "weekly", 5, "OPS:PSM.03 3 K"),
        T("Close out audit and inspection actions", "monthly", 3, "LEAD:TWK.03 3 B", "LEAD:DEC.04 2 P"),
    ),
    "op_planning": DT(
        "Plan operations activities",
        T("Prepare the weekly operations plan", "weekly", 3, "LEAD:DEC.04 3 P", "OPS:PLT.08 3 K"),
        T("Coordinate plant outages with maintenance", "monthly", 4, "MAINT:MPL.02 2 P", "MAINT:MPL.04 2 K"),
        T("Track operations performance indicators", "weekly", 2, "CORP:DAT.01 2 P", "CORP:GEN.01 3 P"),
        T("Plan product movements and stock levels", "daily", 3, "OPS:PLT.07 2 K", "LEAD:DIR.03 2 K"),
    ),
    "op_permit_office": DT(
        "Run the permit office",
        T("Prepare permits and isolation certificates for planned work", "daily", 4, "OPS:SSW.01 3 P",
          "OPS:SSW.02 3 P"),
        T("Keep the isolation register and lock boxes in order", "daily", 4, "OPS:SSW.02 3 P"),
        T("Check permits for clashes with other work", "daily", 4, "OPS:SSW.07 3 K"),
        T("Audit closed permits for quality", "weekly", 3, "OPS:SSW.01 3 P", "LEAD:COM.01 2 P"),
    ),
    "op_laboratory": DT(
        "Test process samples in the laboratory",
        T("Analyse process and product samples to the test methods", "daily", 4, "OPS:PLT.09 3 P"),
        T("Calibrate and check laboratory instruments", "weekly", 3, "OPS:PLT.09 3 P", "MAINT:INS.01 1 K"),
        T("Handle and dispose of laboratory chemicals", "daily", 4, "OPS:HAZ.02 3 P", "OPS:ENV.02 2 P"),
        T("Report off-specification results to the control room", "daily", 4, "OPS:PLT.09 3 P",
          "LEAD:COM.01 2 P"),
        T("Issue product quality certificates", "weekly", 4, "OPS:PLT.09 3 P"),
    ),
    "op_training": DT(
        "Train and assess operators",
        T("Deliver plant induction and technical training", "weekly", 3, "CORP:HRM.04 3 P", "OPS:PLT.08 4 K"),
        T("Observe and assess operators against the competence standards", "weekly", 4, "CORP:HRM.08 3 P",
          "OPS:SSW.01 3 P"),
        T("Run simulator and emergency response training", "monthly", 4, "OPS:PLT.03 4 P", "OPS:EMR.04 3 P"),
        T("Keep training and assessment records up to date", "weekly", 3, "CORP:HRM.07 2 P"),
        T("Review training material after incidents and changes", "quarterly", 3, "LEAD:SLD.03 3 B",
          "OPS:PSM.02 2 K"),
    ),
    "op_environment": DT(
        "Monitor the environmental performance of the plant",
        T("Take and record emissions measurements", "daily", 4, "OPS:ENV.01 3 P"),
        T("Manage waste collection and storage", "weekly", 3, "OPS:ENV.02 3 P"),
        T("Report potential permit breaches straight away", "rarely", 5, "OPS:ENV.03 3 K", "LEAD:TWK.03 3 B"),
        T("Inspect bunds, drains and interceptors", "monthly", 3, "OPS:EMR.05 2 P", "OPS:ENV.02 2 P"),
    ),
    # ------------------------------------------------------------------ management, all families
    "people_mgmt": DT(
        "Lead and develop people",
        T("Set objectives and review performance", "quarterly", 3, "LEAD:PPL.01 3 P"),
        T("Coach team members and plan their development", "monthly", 3, "LEAD:PPL.02 3 P"),
        T("Recruit and induct new starters", "rarely", 3, "LEAD:PPL.04 3 P"),
        T("Manage attendance and wellbeing", "monthly", 3, "LEAD:PPL.03 3 P"),
        T("Handle conduct and grievance issues", "rarely", 4, "LEAD:PPL.05 3 P", "CORP:HRM.01 2 K"),
        T("Hold regular team meetings", "weekly", 2, "LEAD:COM.02 3 P", "LEAD:TWK.02 3 B"),
    ),
    "safety_leadership": DT(
        "Lead safety in the area",
        T("Carry out safety walks and conversations", "weekly", 4, "LEAD:SLD.01 3 B"),
        T("Stop work that is unsafe and restart it properly", "rarely", 5, "LEAD:SLD.02 3 B", "OPS:SSW.06 3 P"),
        T("Lead incident investigations", "rarely", 4, "LEAD:SLD.03 3 B", "MAINT:REL.04 3 P"),
        T("Review risk assessments for high-risk work", "weekly", 5, "OPS:SSW.06 3 P", "LEAD:DEC.03 3 B"),
    ),
    "business_mgmt": DT(
        "Manage the budget and business performance",
        T("Prepare and manage the department budget", "yearly", 3, "CORP:FIN.05 3 P", "LEAD:DIR.03 3 K"),
        T("Track costs and explain variances", "monthly", 3, "CORP:FIN.04 2 P"),
        T("Set the department's priorities for the year", "yearly", 4, "LEAD:DIR.01 3 P"),
        T("Lead improvement and change projects", "quarterly", 3, "LEAD:DIR.02 3 B", "LEAD:DIR.04 3 B"),
        T("Represent the department with senior stakeholders", "monthly", 3, "LEAD:COM.04 3 B"),
    ),
    "exec_lead": DT(
        "Set direction for the organisation",
        T("Set and communicate the strategy", "yearly", 5, "LEAD:DIR.01 4 P", "LEAD:COM.02 4 P"),
        T("Lead the leadership team", "weekly", 4, "LEAD:PPL.07 4 B"),
        T("Own the major accident hazard risk profile", "quarterly", 5, "OPS:PSM.01 3 K", "LEAD:SLD.01 4 B"),
        T("Approve major investments", "quarterly", 4, "LEAD:DIR.03 4 K", "LEAD:DEC.03 4 B"),
        T("Represent the company to regulators, investors and communities", "monthly", 4, "LEAD:COM.04 4 B"),
    ),
    # ------------------------------------------------------------------ maintenance
    "mech_maint": DT(
        "Maintain mechanical equipment",
        T("Carry out planned maintenance on pumps and compressors", "weekly", 4, "MAINT:MEC.01 3 P",
          "MAINT:MEC.02 2 P"),
        T("Overhaul and test valves", "weekly", 4, "MAINT:MEC.03 3 P"),
        T("Replace bearings and mechanical seals", "monthly", 3, "MAINT:MEC.07 3 P"),
        T("Align shafts when equipment is reinstated", "monthly", 3, "MAINT:MEC.06 3 P"),
        T("Lubricate machinery to the lubrication schedule", "weekly", 3, "MAINT:MEC.05 2 P"),
        T("Make up flanged joints to the bolting procedure", "weekly", 5, "MAINT:MEC.04 3 P"),
    ),
    "mech_breakdown": DT(
        "Repair mechanical breakdowns",
        T("Diagnose the cause of mechanical breakdowns", "weekly", 4, "MAINT:MEC.01 3 P", "LEAD:DEC.02 2 P"),
        T("Repair or replace failed components", "weekly", 4, "MAINT:MEC.07 3 P", "MAINT:MEC.03 3 P"),
        T("Rig and lift components safely", "weekly", 5, "MAINT:MEC.09 3 P", "OPS:SSW.08 2 K"),
        T("Fabricate and weld temporary or permanent repairs", "monthly", 4, "MAINT:MEC.08 3 P",
          "OPS:PSM.02 1 K"),
    ),
    "elec_maint": DT(
        "Maintain electrical equipment",
        T("Inspect and maintain switchboards and motor control centres", "weekly", 4, "MAINT:ELE.01 3 P"),
        T("Test and repair motors and drives", "weekly", 3, "MAINT:ELE.02 3 P"),
        T("Inspect electrical equipment in hazardous areas", "monthly", 5, "MAINT:ELE.05 3 P", "OPS:PSM.05 2 K"),
        T("Test insulation and earth continuity", "monthly", 4, "MAINT:ELE.04 3 P"),
        T("Maintain batteries and UPS units", "monthly", 4, "MAINT:ELE.06 3 P"),
    ),
    "elec_fault": DT(
        "Find and fix electrical faults",
        T("Locate faults with drawings and test instruments", "weekly", 4, "MAINT:ELE.03 3 P"),
        T("Isolate and prove dead before work", "daily", 5, "OPS:SSW.02 3 P", "MAINT:ELE.04 2 P"),
        T("Restore supplies and test before return to service", "weekly", 4, "MAINT:ELE.03 3 P",
          "MAINT:ELE.04 3 P"),
        T("Test protection relays after faults", "rarely", 4, "MAINT:ELE.07 3 P"),
    ),
    "hv_operations": DT(
        "Operate the high-voltage network",
        T("Prepare and check switching programmes", "weekly", 5, "MAINT:HVS.01 3 P", "MAINT:HVS.02 3 K"),
        T("Carry out HV switching and apply circuit earths", "weekly", 5, "MAINT:HVS.01 3 P"),
        T("Issue HV safety documents", "weekly", 5, "MAINT:HVS.02 3 K", "OPS:SSW.01 3 P"),
        T("Respond to HV faults and restore supplies", "rarely", 5, "MAINT:HVS.01 3 P", "LEAD:DEC.01 3 B"),
        T("Maintain transformers and HV switchgear", "quarterly", 4, "MAINT:HVS.04 3 P", "MAINT:HVS.05 3 K"),
        T("Joint and terminate HV cables", "rarely", 4, "MAINT:HVS.03 3 P"),
    ),
    "inst_maint": DT(
        "Maintain instruments and control equipment",
        T("Calibrate field instruments", "weekly", 4, "MAINT:INS.01 3 P"),
        T("Overhaul control valves and set up positioners", "monthly", 4, "MAINT:INS.02 3 P"),
        T("Maintain online analysers", "weekly", 3, "MAINT:INS.05 3 P"),
        T("Find faults in instrument loops", "weekly", 4, "MAINT:INS.06 3 P"),
        T("Install tubing and fittings", "monthly", 3, "MAINT:INS.07 3 P"),
    ),
    "inst_safety": DT(
        "Test safety and detection systems",
        T("Proof test safety instrumented functions", "monthly", 5, "MAINT:INS.04 3 P", "ENG:CSE.03 2 K"),
        T("Test fire and gas detectors", "monthly", 5, "MAINT:INS.03 3 P"),
        T("Control inhibits and overrides during testing", "monthly", 5, "OPS:PSM.03 3 K", "OPS:PSM.02 2 P"),
        T("Record test results and report failures", "monthly", 4, "MAINT:MPL.01 2 P", "LEAD:TWK.03 3 B"),
    ),
    "maint_safe_work": DT(
        "Work safely under the permit-to-work system",
        T("Accept permits and brief the work party", "daily", 5, "OPS:SSW.01 3 P", "LEAD:COM.02 2 P"),
        T("Assess the risks of each job before starting", "daily", 5, "OPS:SSW.06 3 P"),
        T("Apply personal locks to isolations", "daily", 5, "OPS:SSW.02 2 P"),
        T("Work at height with the right access and fall protection", "weekly", 5, "OPS:SSW.05 3 P"),
        T("Enter confined spaces under permit", "rarely", 5, "OPS:SSW.03 2 P", "OPS:SSW.04 2 P"),
    ),
    "maint_records": DT(
        "Record maintenance work",
        T("Complete work orders with findings, parts and hours", "daily", 3, "MAINT:MPL.01 2 P"),
        T("Update equipment history after repairs", "weekly", 2, "MAINT:MPL.05 2 K"),
        T("Request spare parts and materials", "weekly", 2, "MAINT:MPL.03 2 P"),
    ),
    "condition_monitoring": DT(
        "Monitor equipment condition",
        T("Collect vibration data on monitoring routes", "weekly", 4, "MAINT:REL.01 3 P"),
        T("Analyse vibration spectra and report defects", "weekly", 4, "MAINT:REL.01 3 P", "CORP:DAT.01 2 P"),
        T("Carry out thermographic surveys of electrical equipment", "monthly", 4, "MAINT:REL.02 3 P"),
        T("Sample lubricants and review oil analysis", "monthly", 3, "MAINT:REL.03 3 P"),
        T("Survey for leaks with ultrasound", "monthly", 3, "MAINT:REL.06 3 P"),
    ),
    "reliability": DT(
        "Improve equipment reliability",
        T("Lead root cause analysis of repeat failures", "monthly", 4, "MAINT:REL.04 3 P", "LEAD:DEC.02 3 P"),
        T("Review maintenance strategies for critical equipment", "quarterly", 4, "MAINT:REL.05 3 K",
          "MAINT:MPL.05 3 K"),
        T("Analyse failure data to find bad actors", "monthly", 3, "CORP:DAT.01 3 P"),
        T("Recommend design changes that remove failure modes", "quarterly", 3, "ENG:EPR.03 2 P",
          "OPS:PSM.02 2 P"),
    ),
    "maint_planning": DT(
        "Plan and schedule maintenance",
        T("Prepare job packs with procedures, parts and permits", "daily", 4, "MAINT:MPL.02 3 P",
          "MAINT:MPL.03 3 P"),
        T("Build the weekly maintenance schedule", "weekly", 4, "MAINT:MPL.02 3 P", "LEAD:DEC.04 3 P"),
        T("Agree the schedule with operations", "weekly", 3, "LEAD:COM.04 2 B"),
        T("Track backlog and schedule compliance", "weekly", 3, "MAINT:MPL.01 3 P", "CORP:DAT.01 2 P"),
        T("Plan shutdown and turnaround work", "yearly", 4, "MAINT:MPL.04 3 P"),
    ),
    "maint_supervision": DT(
        "Supervise maintenance work",
        T("Allocate jobs and permits to technicians", "daily", 4, "LEAD:PPL.06 3 P", "OPS:SSW.01 3 P"),
        T("Check the quality of completed work", "daily", 4, "MAINT:MPL.01 3 P", "LEAD:PPL.01 2 P"),
        T("Coach apprentices and technicians", "weekly", 3, "LEAD:PPL.02 3 P", "CORP:HRM.08 2 P"),
        T("Report progress and problems to the planner", "daily", 3, "LEAD:COM.01 2 P", "MAINT:MPL.02 2 K"),
    ),
    "workshop": DT(
        "Repair components in the workshop",
        T("Machine replacement parts to drawings", "weekly", 3, "MAINT:MEC.08 3 P", "ENG:EPR.02 2 K"),
        T("Rebuild pumps and valves on the bench", "weekly", 3, "MAINT:MEC.01 3 P", "MAINT:MEC.03 3 P"),
        T("Pressure test rebuilt equipment before dispatch", "weekly", 4, "MAINT:MEC.04 3 P"),
        T("Maintain workshop machines and tools", "monthly", 2, "MAINT:MEC.05 2 P"),
        T("Inspect and tag lifting equipment", "quarterly", 5, "MAINT:MEC.09 3 P"),
    ),
    "maint_mgmt": DT(
        "Manage the maintenance function",
        T("Set maintenance strategy and priorities", "yearly", 4, "MAINT:REL.05 4 K", "LEAD:DIR.01 3 P"),
        T("Review maintenance performance and backlog", "weekly", 4, "MAINT:MPL.02 3 K", "CORP:DAT.01 2 P"),
        T("Approve deferral of safety-critical maintenance", "monthly", 5, "OPS:PSM.03 4 K", "LEAD:DEC.03 4 B"),
        T("Manage contractors and service agreements", "monthly", 3, "CORP:PRC.03 3 P"),
        T("Plan the turnaround programme", "yearly", 4, "MAINT:MPL.04 4 P"),
    ),
    # ------------------------------------------------------------------ engineering
    "eng_process": DT(
        "Provide process engineering support",
        T("Monitor unit performance and recommend optimisations", "weekly", 4, "ENG:PRO.03 3 P",
          "CORP:DAT.01 2 P"),
        T("Troubleshoot process problems with operations", "weekly", 4, "ENG:PRO.03 3 P", "LEAD:DEC.02 3 P"),
        T("Build process models for studies", "monthly", 3, "ENG:PRO.02 3 P"),
        T("Size equipment and relief devices", "monthly", 4, "ENG:PRO.01 3 P", "ENG:PRO.04 3 K"),
        T("Write and update operating procedures", "monthly", 3, "ENG:PRO.06 3 P"),
    ),
    "eng_hazard": DT(
        "Manage process hazards",
        T("Take part in and lead HAZOP studies", "quarterly", 5, "ENG:PRO.05 3 P", "OPS:PSM.06 3 P"),
        T("Assess changes under management of change", "weekly", 5, "OPS:PSM.02 3 P", "ENG:EPR.05 2 P"),
        T("Review relief and flare system capacity", "yearly", 5, "ENG:PRO.04 3 K"),
        T("Close out hazard study actions", "monthly", 4, "LEAD:TWK.03 3 B", "OPS:PSM.06 3 P"),
    ),
    "eng_electrical": DT(
        "Provide electrical engineering",
        T("Carry out power system studies", "quarterly", 4, "ENG:ELS.01 3 P"),
        T("Design protection and calculate settings", "quarterly", 5, "ENG:ELS.02 3 P"),
        T("Design electrical installations for projects", "monthly", 3, "ENG:ELS.03 3 P", "ENG:EPR.01 3 K"),
        T("Manage compliance with grid connection requirements", "quarterly", 4, "ENG:ELS.04 3 K"),
        T("Design earthing and lightning protection", "rarely", 4, "ENG:ELS.05 3 P"),
        T("Support HV switching and fault investigations", "rarely", 4, "MAINT:HVS.02 3 K", "MAINT:REL.04 2 P"),
    ),
    "eng_control": DT(
        "Engineer control and safety systems",
        T("Configure changes to the control system", "weekly", 4, "ENG:CSE.01 3 P", "OPS:PSM.02 2 P"),
        T("Program and test PLCs for packaged equipment", "monthly", 3, "ENG:CSE.02 3 P"),
        T("Maintain safety requirement specifications", "quarterly", 5, "ENG:CSE.03 3 K"),
        T("Rationalise alarms with operations", "quarterly", 4, "ENG:CSE.05 3 P", "OPS:PSM.04 2 K"),
        T("Tune poorly performing control loops", "weekly", 3, "ENG:CSE.06 3 P"),
        T("Maintain the control network architecture", "monthly", 4, "ENG:CSE.04 3 P", "CORP:ICT.06 2 P"),
    ),
    "eng_integrity": DT(
        "Assure asset integrity",
        T("Develop risk-based inspection plans", "yearly", 4, "ENG:AIM.01 3 P"),
        T("Assess corrosion and set mitigation", "monthly", 4, "ENG:AIM.02 3 P"),
        T("Review inspection and NDT results", "weekly", 4, "ENG:AIM.04 3 P"),
        T("Assess damaged equipment for continued service", "rarely", 5, "ENG:AIM.05 3 P"),
        T("Manage the written scheme of examination", "monthly", 5, "ENG:AIM.03 3 K"),
        T("Inspect structures and supports", "yearly", 3, "ENG:AIM.06 3 K"),
    ),
    "eng_mechanical": DT(
        "Provide mechanical engineering",
        T("Specify rotating equipment and review vendor data", "monthly", 3, "ENG:EPR.01 3 K",
          "MAINT:MEC.02 2 K"),
        T("Advise maintenance teams on technical problems", "weekly", 3, "MAINT:MEC.01 2 K", "LEAD:COM.04 2 B"),
        T("Investigate mechanical failures", "monthly", 4, "MAINT:REL.04 3 P"),
        T("Design piping and pressure equipment modifications", "monthly", 4, "ENG:EPR.02 3 P",
          "ENG:AIM.03 2 K"),
    ),
    "eng_hydrogen": DT(
        "Develop hydrogen and low-carbon plant",
        T("Apply hydrogen safety principles to designs", "monthly", 5, "ENG:H2E.01 3 P", "OPS:HAZ.03 3 K"),
        T("Evaluate electrolyser technology and suppliers", "quarterly", 3, "ENG:H2E.02 3 K", "CORP:PRC.02 2 P"),
        T("Design hydrogen compression and storage", "quarterly", 4, "ENG:H2E.03 3 K", "ENG:PRO.01 3 P"),
        T("Assess carbon capture options", "yearly", 3, "ENG:H2E.04 3 K"),
        T("Specify battery storage systems and their protection", "quarterly", 4, "ENG:H2E.05 3 K",
          "ENG:ELS.02 2 P"),
    ),
    "eng_projects": DT(
        "Deliver engineering projects",
        T("Define project scope and basis of design", "quarterly", 4, "ENG:EPR.03 3 P"),
        T("Estimate project costs", "quarterly", 3, "ENG:EPR.04 3 P"),
        T("Coordinate disciplines, vendors and contractors", "weekly", 4, "ENG:EPR.03 3 P", "LEAD:COM.04 3 B"),
        T("Manage project schedule, budget and risks", "weekly", 4, "CORP:GEN.02 3 P"),
        T("Commission and hand over new plant", "rarely", 5, "ENG:EPR.06 3 P", "OPS:SSW.01 2 K"),
    ),
    "eng_assurance": DT(
        "Provide technical assurance",
        T("Review and approve designs in their discipline", "weekly", 5, "ENG:EPR.05 3 P", "ENG:EPR.01 4 K"),
        T("Approve deviations from engineering standards", "monthly", 5, "ENG:EPR.05 3 P", "LEAD:DEC.03 3 B"),
        T("Mentor engineers", "monthly", 3, "LEAD:PPL.02 3 P"),
        T("Keep engineering standards current", "yearly", 3, "ENG:EPR.01 4 K"),
    ),
    "eng_documents": DT(
        "Produce engineering documents and drawings",
        T("Draft and revise drawings in CAD", "daily", 3, "ENG:EPR.02 3 P"),
        T("Control document revisions and transmittals", "daily", 3, "ENG:EPR.02 2 P", "CORP:GEN.03 2 K"),
        T("Update as-built records after changes", "weekly", 4, "ENG:EPR.02 3 P", "OPS:PSM.02 1 K"),
        T("Check drawings against the plant", "monthly", 3, "ENG:EPR.02 3 P"),
    ),
    # ------------------------------------------------------------------ health, safety and environment
    "hse_advice": DT(
        "Advise on health and safety",
        T("Advise managers on risk assessments and safe systems of work", "weekly", 4, "OPS:SSW.06 4 P",
          "OPS:SSW.01 3 K"),
        T("Inspect work sites and report findings", "weekly", 4, "LEAD:SLD.02 3 B", "OPS:SSW.05 3 K"),
        T("Investigate incidents and recommend actions", "monthly", 4, "MAINT:REL.04 3 P", "LEAD:SLD.03 3 B"),
        T("Analyse safety statistics and trends", "monthly", 3, "CORP:DAT.01 2 P"),
        T("Run safety campaigns and toolbox talks", "monthly", 3, "LEAD:COM.02 3 P"),
        T("Check contractor safety plans", "monthly", 4, "OPS:SSW.06 3 P", "CORP:PRC.04 2 P"),
    ),
    "hse_process_safety": DT(
        "Manage process safety",
        T("Maintain the safety case and its major accident scenarios", "yearly", 5, "OPS:PSM.01 4 K",
          "ENG:PRO.05 3 P"),
        T("Monitor process safety indicators", "monthly", 4, "OPS:PSM.03 4 K", "CORP:DAT.01 2 P"),
        T("Facilitate layers of protection analysis", "quarterly", 5, "OPS:PSM.06 4 P", "ENG:CSE.03 3 K"),
        T("Audit the management of change process", "quarterly", 4, "OPS:PSM.02 4 P"),
        T("Review hazardous area classification", "yearly", 4, "OPS:PSM.05 4 K"),
    ),
    "hse_environment": DT(
        "Manage environmental compliance",
        T("Manage environmental permits and returns", "quarterly", 5, "OPS:ENV.03 4 K", "LEAD:COM.01 3 P"),
        T("Review emissions and discharge data", "monthly", 4, "OPS:ENV.01 3 P", "CORP:DAT.01 2 P"),
        T("Plan waste disposal with licensed contractors", "monthly", 3, "OPS:ENV.02 3 P", "CORP:PRC.03 2 P"),
        T("Investigate environmental incidents", "rarely", 4, "OPS:ENV.03 3 K", "MAINT:REL.04 2 P"),
        T("Drive reductions in flaring and emissions", "quarterly", 3, "OPS:ENV.04 3 P", "LEAD:DIR.04 3 B"),
    ),
    "hse_health": DT(
        "Protect the health of the workforce",
        T("Carry out health surveillance", "weekly", 4, "OPS:HAZ.04 3 K", "OPS:HAZ.02 3 K"),
        T("Measure exposure to noise, chemicals and dust", "monthly", 4, "OPS:HAZ.04 3 K", "OPS:HAZ.05 2 K"),
        T("Assess fitness for work after illness or injury", "weekly", 3, "LEAD:PPL.03 2 K", "CORP:GEN.03 3 K"),
        T("Promote wellbeing and fatigue management", "monthly", 3, "LEAD:PPL.03 3 P"),
        T("Train first aiders", "quarterly", 3, "OPS:EMR.03 4 P", "CORP:HRM.04 2 P"),
    ),
    "hse_emergency": DT(
        "Prepare for emergencies",
        T("Maintain the site emergency plans", "yearly", 5, "OPS:EMR.04 3 P", "LEAD:COM.01 3 P"),
        T("Plan and run emergency exercises", "quarterly", 4, "OPS:EMR.04 4 P", "LEAD:DEC.04 3 P"),
        T("Inspect firefighting and rescue equipment", "monthly", 4, "OPS:EMR.02 3 P", "OPS:EMR.06 3 P"),
        T("Liaise with the emergency services", "quarterly", 3, "LEAD:COM.04 3 B"),
        T("Respond to incidents with the site emergency team", "rarely", 5, "OPS:EMR.02 3 P", "OPS:EMR.06 3 P",
          "OPS:EMR.03 3 P"),
    ),
    # ------------------------------------------------------------------ finance
    "fin_payables": DT(
        "Process supplier payments",
        T("Match invoices to orders and goods receipts", "daily", 3, "CORP:FIN.01 3 P"),
        T("Resolve invoice queries with suppliers and buyers", "daily", 2, "CORP:FIN.01 3 P", "CORP:GEN.04 2 B"),
        T("Prepare payment runs", "weekly", 4, "CORP:FIN.01 3 P", "CORP:FIN.09 2 K"),
        T("Reconcile supplier statements", "monthly", 3, "CORP:FIN.01 2 P", "CORP:FIN.06 1 K"),
    ),
    "fin_receivables": DT(
        "Bill customers and collect cash",
        T("Raise customer invoices", "daily", 3, "CORP:FIN.02 3 P"),
        T("Chase overdue accounts", "weekly", 3, "CORP:FIN.02 3 P", "LEAD:COM.03 2 B"),
        T("Allocate receipts to customer accounts", "daily", 2, "CORP:FIN.02 2 P"),
        T("Review credit limits", "monthly", 3, "CORP:FIN.02 3 P", "LEAD:DEC.03 2 B"),
    ),
    "fin_payroll": DT(
        "Pay employees correctly and on time",
        T("Process starters, leavers and changes", "weekly", 4, "CORP:FIN.03 3 P", "CORP:HRM.07 2 P"),
        T("Calculate shift, overtime and call-out payments", "weekly", 4, "CORP:FIN.03 3 P"),
        T("Run and check the payroll", "monthly", 5, "CORP:FIN.03 3 P", "CORP:FIN.09 2 K"),
        T("File statutory returns", "monthly", 5, "CORP:FIN.03 3 P", "CORP:FIN.08 2 K"),
        T("Answer employees' pay queries", "daily", 2, "CORP:GEN.04 3 B", "CORP:GEN.03 2 K"),
    ),
    "fin_management_accounts": DT(
        "Report and analyse financial performance",
        T("Prepare the monthly management accounts", "monthly", 4, "CORP:FIN.04 3 P"),
        T("Explain cost variances to budget holders", "monthly", 3, "CORP:FIN.04 3 P", "LEAD:COM.04 2 B"),
        T("Build the annual budget and forecasts", "yearly", 4, "CORP:FIN.05 3 P"),
        T("Evaluate investment cases", "quarterly", 4, "CORP:FIN.05 3 P", "LEAD:DIR.03 3 K"),
        T("Model cost and margin scenarios", "monthly", 3, "CORP:DAT.01 2 P", "CORP:GEN.01 3 P"),
    ),
    "fin_accounts": DT(
        "Keep the accounts",
        T("Post journals and accruals", "monthly", 3, "CORP:FIN.06 3 P"),
        T("Reconcile balance sheet accounts", "monthly", 4, "CORP:FIN.06 3 P", "CORP:FIN.09 3 K"),
        T("Prepare the statutory financial statements", "yearly", 5, "CORP:FIN.06 3 P"),
        T("Support the external audit", "yearly", 4, "CORP:FIN.09 3 K"),
    ),
    "fin_treasury": DT(
        "Manage cash, tax and financial risk",
        T("Forecast the daily cash position", "daily", 4, "CORP:FIN.07 3 P"),
        T("Arrange hedges for currency and commodity exposure", "monthly", 5, "CORP:FIN.07 3 P",
          "LEAD:DEC.03 3 B"),
        T("Prepare tax returns and computations", "quarterly", 5, "CORP:FIN.08 3 K"),
        T("Manage bank accounts and mandates", "monthly", 3, "CORP:FIN.07 2 P", "CORP:FIN.09 3 K"),
    ),
    # ------------------------------------------------------------------ human resources
    "hr_operations": DT(
        "Administer the employee lifecycle",
        T("Issue contracts and letters", "daily", 3, "CORP:HRM.07 3 P", "CORP:HRM.01 2 K"),
        T("Keep employee records accurate in the HR system", "daily", 3, "CORP:HRM.07 3 P", "CORP:GEN.03 2 K"),
        T("Answer policy questions from employees and managers", "daily", 3, "CORP:HRM.01 2 K",
          "CORP:GEN.04 3 B"),
        T("Prepare HR reports", "monthly", 2, "CORP:HRM.07 2 P", "CORP:DAT.01 1 P"),
    ),
    "hr_advice": DT(
        "Advise managers on people matters",
        T("Advise on disciplinary, grievance and absence cases", "weekly", 4, "CORP:HRM.02 3 P",
          "CORP:HRM.01 3 K"),
        T("Coach managers through difficult conversations", "weekly", 3, "LEAD:PPL.02 3 P", "LEAD:COM.05 3 B"),
        T("Support organisational change and consultation", "quarterly", 4, "LEAD:DIR.02 3 B",
          "CORP:HRM.01 3 K"),
        T("Plan the workforce with business leaders", "quarterly", 3, "CORP:HRM.06 3 P"),
        T("Analyse people data for trends", "monthly", 3, "CORP:DAT.01 2 P"),
    ),
    "hr_recruitment": DT(
        "Recruit people",
        T("Agree role requirements with hiring managers", "weekly", 3, "CORP:HRM.03 3 P", "LEAD:PPL.04 2 K"),
        T("Advertise roles and screen applications", "daily", 3, "CORP:HRM.03 3 P"),
        T("Arrange interviews and assessments", "daily", 2, "CORP:HRM.03 2 P", "CORP:GEN.05 3 P"),
        T("Make offers and complete pre-employment checks", "weekly", 4, "CORP:HRM.03 3 P", "CORP:HRM.01 2 K"),
    ),
    "hr_learning": DT(
        "Develop capability and assure competence",
        T("Analyse competency gaps and plan learning", "quarterly", 4, "CORP:HRM.04 3 P", "CORP:HRM.08 3 P"),
        T("Design and deliver training", "monthly", 3, "CORP:HRM.04 3 P", "LEAD:COM.02 3 P"),
        T("Maintain role competency profiles", "quarterly", 4, "CORP:HRM.08 3 P"),
        T("Assess candidates in the workplace", "weekly", 4, "CORP:HRM.08 3 P", "LEAD:COM.03 3 B"),
        T("Verify the quality of assessment decisions", "monthly", 4, "CORP:HRM.08 4 P"),
        T("Book training and keep training records", "daily", 2, "CORP:HRM.07 2 P", "CORP:GEN.05 2 P"),
    ),
    "hr_reward": DT(
        "Manage reward",
        T("Benchmark pay against the market", "yearly", 3, "CORP:HRM.05 3 P", "CORP:DAT.01 2 P"),
        T("Run the annual pay review", "yearly", 4, "CORP:HRM.05 3 P"),
        T("Administer pension and benefit schemes", "monthly", 3, "CORP:HRM.05 3 P", "CORP:FIN.03 1 K"),
        T("Check pay decisions for equal pay", "yearly", 4, "CORP:HRM.05 3 P", "LEAD:TWK.02 3 B"),
    ),
    # ------------------------------------------------------------------ IT and data
    "it_service": DT(
        "Support users",
        T("Log and resolve user requests and incidents", "daily", 3, "CORP:ICT.01 3 P", "CORP:GEN.04 3 B"),
        T("Set up and repair laptops and phones", "daily", 3, "CORP:ICT.02 3 P"),
        T("Reset accounts and manage access", "daily", 4, "CORP:ICT.01 3 P", "CORP:ICT.05 2 K"),
        T("Escalate major incidents", "weekly", 4, "CORP:ICT.08 2 P"),
        T("Write knowledge articles", "weekly", 2, "LEAD:COM.01 2 P"),
    ),
    "it_infrastructure": DT(
        "Run the IT infrastructure",
        T("Patch and monitor servers and cloud services", "weekly", 4, "CORP:ICT.03 3 P"),
        T("Configure network devices and firewalls", "weekly", 4, "CORP:ICT.04 3 P"),
        T("Manage backups and test restores", "monthly", 5, "CORP:ICT.03 3 P"),
        T("Make changes through change control", "weekly", 4, "CORP:ICT.08 3 P"),
        T("Plan capacity and lifecycle replacement", "quarterly", 3, "CORP:ICT.03 3 P", "LEAD:DEC.04 2 P"),
    ),
    "it_security": DT(
        "Protect systems and data",
        T("Monitor security alerts and investigate threats", "daily", 5, "CORP:ICT.05 3 P"),
        T("Manage vulnerabilities and patching priorities", "weekly", 4, "CORP:ICT.05 3 P"),
        T("Secure control system networks and remote access", "weekly", 5, "CORP:ICT.06 3 P", "ENG:CSE.04 2 K"),
        T("Run security awareness training", "quarterly", 3, "CORP:HRM.04 2 P"),
        T("Respond to security incidents", "rarely", 5, "CORP:ICT.05 3 P", "LEAD:DEC.01 3 B"),
    ),
    "it_applications": DT(
        "Develop and support business applications",
        T("Gather and document requirements", "weekly", 3, "LEAD:COM.03 3 B", "CORP:GEN.02 2 P"),
        T("Develop and test software changes", "daily", 4, "CORP:ICT.07 3 P"),
        T("Support the maintenance and finance systems", "daily", 3, "CORP:ICT.08 2 P", "MAINT:MPL.01 1 K"),
        T("Release changes through automated pipelines", "weekly", 4, "CORP:ICT.07 3 P", "CORP:ICT.08 3 P"),
    ),
    "it_projects": DT(
        "Deliver IT projects",
        T("Plan IT projects and manage their budgets", "monthly", 3, "CORP:GEN.02 3 P"),
        T("Manage project risks and issues", "weekly", 4, "CORP:GEN.02 3 P", "LEAD:DEC.03 3 B"),
        T("Report progress to sponsors", "monthly", 3, "LEAD:COM.01 3 P"),
        T("Coordinate suppliers and internal teams", "weekly", 3, "CORP:PRC.03 2 P", "LEAD:COM.04 3 B"),
    ),
    "data_analytics": DT(
        "Turn data into insight",
        T("Build data pipelines from plant and business systems", "weekly", 4, "CORP:DAT.02 3 P"),
        T("Build dashboards and reports", "weekly", 3, "CORP:DAT.01 3 P"),
        T("Model equipment failure and demand", "monthly", 3, "CORP:DAT.04 3 P"),
        T("Check data quality and fix issues at source", "weekly", 3, "CORP:DAT.03 3 K"),
        T("Explain findings to non-specialists", "weekly", 3, "LEAD:COM.02 3 P"),
    ),
    # ------------------------------------------------------------------ procurement
    "proc_buying": DT(
        "Buy goods and services",
        T("Convert requisitions into purchase orders", "daily", 3, "CORP:PRC.01 3 P"),
        T("Obtain and compare quotations", "daily", 3, "CORP:PRC.01 3 P", "CORP:PRC.08 2 P"),
        T("Expedite late deliveries", "daily", 3, "CORP:PRC.01 2 P", "CORP:PRC.07 2 P"),
        T("Check that suppliers are approved and compliant", "weekly", 4, "CORP:PRC.04 2 P", "CORP:FIN.09 2 K"),
    ),
    "proc_category": DT(
        "Manage spend categories and contracts",
        T("Analyse spend and supply markets", "quarterly", 3, "CORP:PRC.05 3 P", "CORP:DAT.01 2 P"),
        T("Run tenders for major contracts", "quarterly", 4, "CORP:PRC.02 3 P"),
        T("Negotiate prices and terms", "monthly", 4, "CORP:PRC.08 3 P"),
        T("Review supplier safety and quality performance", "quarterly", 4, "CORP:PRC.04 3 P",
          "LEAD:SLD.01 2 B"),
        T("Manage contract variations and claims", "monthly", 4, "CORP:PRC.03 3 P"),
    ),
    "proc_stores": DT(
        "Run the stores",
        T("Receive and inspect deliveries", "daily", 3, "CORP:PRC.06 3 P"),
        T("Store and issue materials", "daily", 3, "CORP:PRC.06 3 P", "OPS:HAZ.02 2 P"),
        T("Carry out stock counts", "monthly", 3, "CORP:PRC.06 3 P"),
        T("Arrange shipments, including dangerous goods", "weekly", 4, "CORP:PRC.07 3 P"),
        T("Operate forklifts and handling equipment", "daily", 4, "CORP:PRC.06 2 P", "OPS:SSW.08 2 K"),
    ),
    # ------------------------------------------------------------------ support and shared duties
    "admin_support": DT(
        "Provide administrative support",
        T("Manage diaries, meetings and travel", "daily", 2, "CORP:GEN.05 3 P"),
        T("Prepare documents and presentations", "daily", 2, "CORP:GEN.01 3 P"),
        T("Keep files and records in order", "weekly", 3, "CORP:GEN.03 2 K"),
        T("Handle enquiries from staff and visitors", "daily", 2, "CORP:GEN.04 3 B"),
    ),
    "communications": DT(
        "Communicate with employees and the public",
        T("Write internal news and briefings", "weekly", 3, "LEAD:COM.01 4 P"),
        T("Handle media enquiries", "rarely", 4, "LEAD:COM.04 3 B"),
        T("Plan community engagement events", "quarterly", 3, "CORP:GEN.02 2 P", "LEAD:COM.02 3 P"),
        T("Support communications during incidents", "rarely", 5, "LEAD:COM.01 3 P", "LEAD:DEC.01 2 B"),
    ),
    "personal_safety": DT(
        "Work safely",
        T("Follow site safety rules and inductions", "daily", 3, "LEAD:SLD.02 2 B", "OPS:EMR.01 1 K"),
        T("Report hazards and near misses", "weekly", 3, "LEAD:SLD.03 2 B"),
        T("Set up their workstation and equipment safely", "rarely", 2, "OPS:SSW.06 1 K"),
    ),
    "teamwork": DT(
        "Work with colleagues and customers",
        T("Share information and help colleagues", "daily", 2, "LEAD:TWK.01 2 B"),
        T("Treat colleagues with respect", "daily", 3, "LEAD:TWK.02 2 B"),
        T("Keep commitments and own mistakes", "daily", 3, "LEAD:TWK.03 2 B"),
        T("Suggest improvements to the way work is done", "monthly", 2, "LEAD:DIR.04 2 B"),
    ),
}

# ============================================================================ job roles


@dataclass(frozen=True)
class RoleTemplate:
    key: str
    name: str
    family: str
    grade: str
    offset: int
    duties: tuple[str, ...]
    purpose: str


SENIORITY_NOTE = {
    -1: " Works under supervision while training towards full competence.",
    1: " Takes on the most demanding work and guides less experienced colleagues.",
    2: " Acts as the recognised technical lead and sets the standard for others.",
}


def R(key: str, name: str, family: str, grade: str, offset: int, duties: str, purpose: str) -> RoleTemplate:
    managerial = grade[:1] in ("M", "E")
    note = "" if managerial else SENIORITY_NOTE.get(offset, "")
    return RoleTemplate(key, name, family, grade, offset, tuple(duties.split()), purpose + note)


OPERATOR = "Keeps the plant running safely and steadily from the field, and prepares it for maintenance."
CONTROL = "Controls the process from the control room, keeping it within its safe operating limits."
TECH_MECH = "Keeps pumps, compressors, valves and other mechanical equipment safe and reliable."
TECH_ELEC = "Keeps electrical equipment, motors and drives safe and available."
TECH_INST = "Keeps instruments, control valves and safety systems accurate and available."
PROCESS_ENG = "Makes the process safer, more efficient and more reliable through sound process engineering."
ELECTRICAL_ENG = "Designs and protects the electrical system that powers the company's plants."
CONTROL_ENG = "Engineers the control and safety systems that run and protect the plant."
MECHANICAL_ENG = "Provides mechanical engineering for equipment selection, modification and failure analysis."
INTEGRITY_ENG = "Makes sure pressure equipment, pipework and structures stay fit for service."
HYDROGEN_ENG = "Develops the company's hydrogen and low-carbon plant safely."

ROLES: tuple[RoleTemplate, ...] = (
    # ------------------------------------------------------------------ executive and support
    R("EXE-CEO", "Chief Executive", "Executive", "E3", 2,
      "exec_lead business_mgmt safety_leadership people_mgmt",
      "Leads the company and answers for its safety, performance and reputation."),
    R("EXE-CSD", "Corporate Services Director", "Executive", "E2", 1, "exec_lead business_mgmt people_mgmt",
      "Leads finance, HR, IT and procurement so the operating divisions are well supported."),
    R("EXE-EAS", "Executive Assistant", "Business support", "S3", 1, "admin_support teamwork personal_safety",
      "Keeps a senior leader's diary, correspondence and meetings running smoothly."),
    R("EXE-ADM", "Site Administrator", "Business support", "S2", 0, "admin_support teamwork personal_safety",
      "Provides administrative support to a site's leadership team and visitors."),
    R("EXE-COM", "Communications Advisor", "Business support", "P2", 0, "communications teamwork personal_safety",
      "Tells employees, communities and the media what the company is doing and why."),
    # ------------------------------------------------------------------ operations
    R("OPS-TRN", "Trainee Operator", "Operations", "OP1", -1, "op_field_run op_field_ptw op_emergency op_handover",
      OPERATOR),
    R("OPS-FOP", "Field Operator", "Operations", "OP2", 0, "op_field_run op_field_ptw op_emergency op_handover",
      OPERATOR),
    R("OPS-SFO", "Senior Field Operator", "Operations", "OP3", 1,
      "op_field_run op_field_ptw op_emergency op_handover", OPERATOR),
    R("OPS-JTY", "Jetty and Loading Operator", "Operations", "OP2", 0,
      "op_field_run op_field_ptw op_emergency op_handover",
      "Loads and unloads ships and road tankers and keeps product transfers safe and accurate."),
    R("OPS-CRO", "Control Room Operator", "Operations", "OP3", 0, "op_control_room op_emergency op_handover",
      CONTROL),
    R("OPS-SCR", "Senior Control Room Operator", "Operations", "OP4", 1,
      "op_control_room op_permit_authority op_emergency op_handover", CONTROL),
    R("OPS-SSV", "Shift Supervisor", "Operations", "OP5", 0,
      "op_shift_lead op_permit_authority op_control_room safety_leadership",
      "Supervises a team of operators on shift and authorises the work done on the plant."),
    R("OPS-SHM", "Shift Manager", "Operations", "M1", 0,
      "op_shift_lead op_permit_authority safety_leadership people_mgmt",
      "Runs the plant on shift and leads everyone working on it, day and night."),
    R("OPS-PRM", "Production Manager", "Operations", "M2", 0,
      "op_production people_mgmt safety_leadership business_mgmt op_compliance",
      "Delivers the site's production plan safely, through the shift teams."),
    R("OPS-SIT", "Site Manager", "Operations", "M3", 1,
      "op_production business_mgmt safety_leadership people_mgmt op_compliance",
      "Answers for everything that happens at one site: safety, output, cost and compliance."),
    R("OPS-ROM", "Regional Operations Manager", "Operations", "M4", 1,
      "business_mgmt safety_leadership people_mgmt op_production",
      "Leads the sites of a region and shares good practice between them."),
    R("OPS-DIR", "Operations Director", "Operations", "E1", 1,
      "exec_lead business_mgmt safety_leadership people_mgmt",
      "Leads the Operations division across all regions."),
    R("OPS-PLN", "Operations Planner", "Operations", "OP4", 0, "op_planning teamwork personal_safety",
      "Plans production activities, outages and product movements for a site."),
    R("OPS-PMC", "Permit Coordinator", "Operations", "OP4", 0, "op_permit_office op_emergency teamwork",
      "Runs the site permit office so that every job starts with the right permit and isolations."),
    R("OPS-TAS", "Operations Trainer and Assessor", "Operations", "OP4", 1,
      "op_training op_field_run op_emergency teamwork",
      "Trains operators and assesses them against the company's competence standards."),
    R("OPS-LTE", "Laboratory Technician", "Operations", "OP2", 0,
      "op_laboratory op_emergency personal_safety teamwork",
      "Tests process and product samples so the plant runs on accurate quality data."),
    R("OPS-LAN", "Laboratory Analyst", "Operations", "OP3", 1, "op_laboratory op_environment op_emergency teamwork",
      "Runs complex analyses and environmental tests and checks the laboratory's results."),
    R("OPS-LSV", "Laboratory Supervisor", "Operations", "M1", 0, "op_laboratory people_mgmt safety_leadership",
      "Leads the site laboratory and answers for the quality of its results."),
    R("OPS-ETC", "Environmental Technician", "Operations", "OP3", 0, "op_environment op_field_run op_emergency",
      "Monitors a site's emissions, discharges and waste against its environmental permit."),
    R("OPS-PFA", "Operations Performance Analyst", "Operations", "P2", 0, "data_analytics op_planning teamwork",
      "Analyses production and loss data so managers know where to act."),
    # ------------------------------------------------------------------ maintenance
    R("MNT-AMT", "Apprentice Mechanical Technician", "Maintenance", "T1", -1,
      "mech_maint maint_safe_work maint_records teamwork", TECH_MECH),
    R("MNT-MTE", "Mechanical Technician", "Maintenance", "T2", 0,
      "mech_maint mech_breakdown maint_safe_work maint_records", TECH_MECH),
    R("MNT-SMT", "Senior Mechanical Technician", "Maintenance", "T3", 1,
      "mech_maint mech_breakdown maint_safe_work maint_records", TECH_MECH),
    R("MNT-AET", "Apprentice Electrical Technician", "Maintenance", "T1", -1,
      "elec_maint maint_safe_work maint_records teamwork", TECH_ELEC),
    R("MNT-ETE", "Electrical Technician", "Maintenance", "T2", 0,
      "elec_maint elec_fault maint_safe_work maint_records", TECH_ELEC),
    R("MNT-SET", "Senior Electrical Technician", "Maintenance", "T3", 1,
      "elec_maint elec_fault maint_safe_work maint_records", TECH_ELEC),
    R("MNT-AIT", "Apprentice Instrument Technician", "Maintenance", "T1", -1,
      "inst_maint maint_safe_work maint_records teamwork", TECH_INST),
    R("MNT-ITE", "Instrument Technician", "Maintenance", "T2", 0,
      "inst_maint inst_safety maint_safe_work maint_records", TECH_INST),
    R("MNT-SIT", "Senior Instrument Technician", "Maintenance", "T3", 1,
      "inst_maint inst_safety maint_safe_work maint_records", TECH_INST),
    R("MNT-HVA", "HV Authorised Person", "Maintenance", "T3", 0,
      "hv_operations elec_fault maint_safe_work maint_records",
      "Switches and earths the high-voltage network and makes HV equipment safe to work on."),
    R("MNT-HVS", "HV Senior Authorised Person", "Maintenance", "T4", 1,
      "hv_operations elec_fault maint_safe_work maint_supervision",
      "Controls work on the high-voltage network, writes switching programmes and issues HV safety documents."),
    R("MNT-MTL", "Maintenance Team Leader", "Maintenance", "T4", 0,
      "maint_supervision maint_safe_work maint_records safety_leadership",
      "Leads a team of technicians through the day's maintenance work."),
    R("MNT-MSV", "Maintenance Supervisor", "Maintenance", "M1", 0,
      "maint_supervision people_mgmt safety_leadership maint_planning",
      "Supervises a maintenance discipline at a site and answers for the quality of its work."),
    R("MNT-MPL", "Maintenance Planner", "Maintenance", "T3", 0, "maint_planning maint_records teamwork",
      "Plans and schedules maintenance so that work is ready to start when crews arrive."),
    R("MNT-SMP", "Senior Maintenance Planner", "Maintenance", "T4", 1, "maint_planning maint_records teamwork",
      "Leads maintenance planning for a site and coaches the planners."),
    R("MNT-TAP", "Turnaround Planner", "Maintenance", "T4", 1, "maint_planning maint_records teamwork",
      "Plans the scope, schedule and resources of major shutdowns."),
    R("MNT-CMT", "Condition Monitoring Technician", "Maintenance", "T3", 0,
      "condition_monitoring maint_safe_work maint_records",
      "Finds developing faults through vibration, thermal and oil monitoring."),
    R("MNT-VAN", "Vibration Analyst", "Maintenance", "T4", 1, "condition_monitoring reliability maint_records",
      "Diagnoses machine faults from vibration data and recommends the fix."),
    R("MNT-MAC", "Workshop Machinist", "Maintenance", "T2", 0, "workshop maint_safe_work maint_records",
      "Machines and rebuilds components in the central workshop."),
    R("MNT-WFB", "Welder Fabricator", "Maintenance", "T2", 0, "workshop mech_breakdown maint_safe_work",
      "Welds and fabricates repairs and modifications to approved procedures."),
    R("MNT-RIG", "Rigger", "Maintenance", "T2", 0, "mech_breakdown maint_safe_work workshop",
      "Plans and carries out lifts and rigging for maintenance work."),
    R("MNT-LEI", "Lifting Equipment Inspector", "Maintenance", "T3", 0, "workshop maint_safe_work maint_records",
      "Inspects lifting equipment and accessories and takes unsafe items out of use."),
    R("MNT-WSV", "Workshop Supervisor", "Maintenance", "M1", 0,
      "workshop maint_supervision people_mgmt safety_leadership",
      "Runs the central workshop and its team."),
    R("MNT-MMG", "Maintenance Manager", "Maintenance", "M2", 0,
      "maint_mgmt people_mgmt safety_leadership business_mgmt",
      "Leads maintenance at a site and answers for equipment availability and maintenance cost."),
    R("MNT-RMM", "Regional Maintenance Manager", "Maintenance", "M3", 1,
      "maint_mgmt business_mgmt people_mgmt safety_leadership",
      "Leads maintenance across the sites of a region."),
    R("MNT-RLM", "Reliability Manager", "Maintenance", "M2", 0, "reliability maint_mgmt people_mgmt",
      "Leads the reliability and condition monitoring team and the fight against repeat failures."),
    R("MNT-TAM", "Turnaround Manager", "Maintenance", "M3", 0,
      "maint_mgmt maint_planning people_mgmt business_mgmt",
      "Plans and delivers the company's major shutdowns on time, on budget and safely."),
    R("MNT-HOM", "Head of Maintenance", "Maintenance", "E1", 1,
      "exec_lead maint_mgmt business_mgmt safety_leadership",
      "Leads the Maintenance division and sets the company's maintenance strategy."),
    # ------------------------------------------------------------------ engineering
    R("ENG-GPE", "Graduate Process Engineer", "Engineering", "P1", -1, "eng_process eng_hazard teamwork",
      PROCESS_ENG),
    R("ENG-PRE", "Process Engineer", "Engineering", "P2", 0, "eng_process eng_hazard teamwork", PROCESS_ENG),
    R("ENG-SPE", "Senior Process Engineer", "Engineering", "P3", 1, "eng_process eng_hazard eng_projects",
      PROCESS_ENG),
    R("ENG-PPE", "Principal Process Engineer", "Engineering", "P4", 2, "eng_process eng_hazard eng_assurance",
      PROCESS_ENG),
    R("ENG-GEE", "Graduate Electrical Engineer", "Engineering", "P1", -1, "eng_electrical teamwork personal_safety",
      ELECTRICAL_ENG),
    R("ENG-ELE", "Electrical Engineer", "Engineering", "P2", 0, "eng_electrical eng_projects teamwork",
      ELECTRICAL_ENG),
    R("ENG-SEE", "Senior Electrical Engineer", "Engineering", "P3", 1, "eng_electrical eng_projects eng_assurance",
      ELECTRICAL_ENG),
    R("ENG-PEE", "Principal Electrical Engineer", "Engineering", "P4", 2,
      "eng_electrical eng_assurance eng_projects", ELECTRICAL_ENG),
    R("ENG-GCE", "Graduate Control Systems Engineer", "Engineering", "P1", -1,
      "eng_control teamwork personal_safety", CONTROL_ENG),
    R("ENG-CSE", "Control Systems Engineer", "Engineering", "P2", 0, "eng_control eng_projects teamwork",
      CONTROL_ENG),
    R("ENG-SCE", "Senior Control Systems Engineer", "Engineering", "P3", 1, "eng_control eng_projects eng_assurance",
      CONTROL_ENG),
    R("ENG-PCE", "Principal Control Systems Engineer", "Engineering", "P4", 2,
      "eng_control eng_assurance eng_projects", CONTROL_ENG),
    R("ENG-GME", "Graduate Mechanical Engineer", "Engineering", "P1", -1, "eng_mechanical teamwork personal_safety",
      MECHANICAL_ENG),
    R("ENG-MEE", "Mechanical Engineer", "Engineering", "P2", 0, "eng_mechanical eng_projects teamwork",
      MECHANICAL_ENG),
    R("ENG-SME", "Senior Mechanical Engineer", "Engineering", "P3", 1, "eng_mechanical eng_integrity eng_assurance",
      MECHANICAL_ENG),
    R("ENG-AIE", "Asset Integrity Engineer", "Engineering", "P2", 0, "eng_integrity eng_mechanical teamwork",
      INTEGRITY_ENG),
    R("ENG-SAI", "Senior Asset Integrity Engineer", "Engineering", "P3", 1,
      "eng_integrity eng_assurance eng_mechanical", INTEGRITY_ENG),
    R("ENG-COR", "Corrosion Engineer", "Engineering", "P3", 1, "eng_integrity teamwork personal_safety",
      "Understands how the company's equipment corrodes and specifies how to stop it."),
    R("ENG-INS", "Inspection Engineer", "Engineering", "P2", 0, "eng_integrity maint_safe_work teamwork",
      "Plans and reviews inspections of pressure equipment, pipework and structures."),
    R("ENG-NDT", "NDT Technician", "Engineering", "T3", 0, "eng_integrity maint_safe_work maint_records",
      "Carries out non-destructive testing and reports what it finds."),
    R("ENG-REL", "Reliability Engineer", "Engineering", "P2", 0, "reliability condition_monitoring teamwork",
      "Finds why equipment fails and changes maintenance or design so it fails less."),
    R("ENG-SRE", "Senior Reliability Engineer", "Engineering", "P3", 1, "reliability eng_mechanical eng_assurance",
      "Leads reliability improvement on the company's most critical equipment."),
    R("ENG-HSE", "Hydrogen Systems Engineer", "Engineering", "P2", 0, "eng_hydrogen eng_process teamwork",
      HYDROGEN_ENG),
    R("ENG-SHS", "Senior Hydrogen Systems Engineer", "Engineering", "P3", 1, "eng_hydrogen eng_hazard eng_projects",
      HYDROGEN_ENG),
    R("ENG-ESE", "Energy Storage Engineer", "Engineering", "P2", 0, "eng_hydrogen eng_electrical teamwork",
      "Engineers battery and other energy storage systems and their protection."),
    R("ENG-PJE", "Project Engineer", "Engineering", "P2", 0, "eng_projects eng_documents teamwork",
      "Engineers and delivers plant modifications and small projects."),
    R("ENG-SPJ", "Senior Project Engineer", "Engineering", "P3", 1, "eng_projects eng_assurance teamwork",
      "Leads the engineering of larger projects from concept to handover."),
    R("ENG-PJM", "Project Manager", "Engineering", "M2", 0, "eng_projects people_mgmt business_mgmt",
      "Delivers capital projects safely, on time and on budget."),
    R("ENG-CST", "Cost Estimator", "Engineering", "P2", 0, "eng_projects teamwork personal_safety",
      "Estimates the cost of projects and shutdowns so decisions rest on sound numbers."),
    R("ENG-CAD", "CAD Technician", "Engineering", "T2", 0, "eng_documents teamwork personal_safety",
      "Produces and revises engineering drawings and keeps the as-built record true."),
    R("ENG-DOC", "Document Controller", "Engineering", "S2", 0, "eng_documents admin_support teamwork",
      "Controls engineering documents so that everyone works from the right revision."),
    R("ENG-CMS", "Commissioning Engineer", "Engineering", "P3", 0, "eng_projects op_field_ptw eng_control",
      "Commissions new and modified plant and hands it over ready to operate."),
    R("ENG-PEM", "Process Engineering Manager", "Engineering", "M2", 0,
      "eng_assurance people_mgmt business_mgmt eng_hazard", "Leads the process engineering team."),
    R("ENG-EEM", "Electrical Engineering Manager", "Engineering", "M2", 0,
      "eng_assurance people_mgmt business_mgmt eng_electrical", "Leads the electrical engineering team."),
    R("ENG-CEM", "Control Systems Manager", "Engineering", "M2", 0,
      "eng_assurance people_mgmt business_mgmt eng_control", "Leads the control systems engineering team."),
    R("ENG-AIM", "Asset Integrity Manager", "Engineering", "M2", 0,
      "eng_integrity eng_assurance people_mgmt business_mgmt",
      "Leads mechanical and asset integrity engineering and answers for the integrity programme."),
    R("ENG-NEM", "New Energy Manager", "Engineering", "M2", 0, "eng_hydrogen people_mgmt business_mgmt",
      "Leads the company's hydrogen and new energy engineering."),
    R("ENG-HOP", "Head of Projects", "Engineering", "M3", 1,
      "eng_projects business_mgmt people_mgmt safety_leadership",
      "Leads the projects department and its portfolio of capital projects."),
    R("ENG-CHE", "Chief Engineer", "Engineering", "E1", 1, "exec_lead eng_assurance business_mgmt people_mgmt",
      "Leads the Engineering division and is the company's senior technical authority."),
    # ------------------------------------------------------------------ health, safety and environment
    R("HSE-ADV", "HSE Advisor", "Health, safety and environment", "P2", 0, "hse_advice op_emergency teamwork",
      "Helps managers and teams work safely and healthily."),
    R("HSE-SAD", "Senior HSE Advisor", "Health, safety and environment", "P3", 1,
      "hse_advice safety_leadership hse_emergency",
      "Leads safety advice for a business area and coaches other advisors."),
    R("HSE-SIT", "Site HSE Advisor", "Health, safety and environment", "P2", 0, "hse_advice hse_emergency op_emergency",
      "Gives a site day-to-day health, safety and environmental support."),
    R("HSE-MGR", "HSE Manager", "Health, safety and environment", "M2", 0,
      "hse_advice people_mgmt safety_leadership business_mgmt", "Leads the occupational safety team."),
    R("HSE-PSE", "Process Safety Engineer", "Health, safety and environment", "P2", 0,
      "hse_process_safety eng_hazard teamwork", "Helps the company prevent major accidents."),
    R("HSE-SPS", "Senior Process Safety Engineer", "Health, safety and environment", "P3", 1,
      "hse_process_safety eng_hazard eng_assurance", "Leads major accident hazard studies and the safety case."),
    R("HSE-PSM", "Process Safety Manager", "Health, safety and environment", "M2", 0,
      "hse_process_safety people_mgmt business_mgmt safety_leadership",
      "Leads process safety and owns the company's safety cases."),
    R("HSE-ENA", "Environmental Advisor", "Health, safety and environment", "P2", 0,
      "hse_environment teamwork personal_safety",
      "Helps sites meet their environmental permits and reduce their impact."),
    R("HSE-ENM", "Environmental Manager", "Health, safety and environment", "M2", 0,
      "hse_environment people_mgmt business_mgmt", "Leads environmental compliance across the company."),
    R("HSE-OHN", "Occupational Health Nurse", "Health, safety and environment", "P2", 0,
      "hse_health teamwork personal_safety", "Looks after the health of the workforce at work."),
    R("HSE-OHY", "Occupational Hygienist", "Health, safety and environment", "P3", 1,
      "hse_health hse_advice teamwork", "Measures and controls people's exposure to harmful agents at work."),
    R("HSE-OHM", "Occupational Health Manager", "Health, safety and environment", "M2", 0,
      "hse_health people_mgmt business_mgmt", "Leads the occupational health service."),
    R("HSE-ERC", "Emergency Response Coordinator", "Health, safety and environment", "P2", 0,
      "hse_emergency op_emergency teamwork", "Keeps emergency plans, equipment and exercises in good order."),
    R("HSE-ERO", "Emergency Response Officer", "Health, safety and environment", "T2", 0,
      "op_emergency hse_emergency personal_safety", "Responds to fires, rescues and medical emergencies on site."),
    R("HSE-ERM", "Emergency Response Manager", "Health, safety and environment", "M2", 0,
      "hse_emergency people_mgmt safety_leadership", "Leads emergency planning and response."),
    R("HSE-STR", "Safety Trainer", "Health, safety and environment", "P2", 0, "hse_advice op_training teamwork",
      "Delivers safety training and assesses safety-critical competence."),
    R("HSE-DIR", "HSE Director", "Health, safety and environment", "E1", 1,
      "exec_lead hse_process_safety safety_leadership business_mgmt",
      "Leads health, safety and environment and advises the board on risk."),
    # ------------------------------------------------------------------ finance
    R("FIN-ASM", "Finance Assistant", "Finance", "S1", -1, "fin_payables fin_receivables admin_support teamwork",
      "Supports the finance team with transactions, filing and queries."),
    R("FIN-APC", "Accounts Payable Clerk", "Finance", "S2", 0, "fin_payables teamwork personal_safety",
      "Makes sure suppliers are paid accurately and on time."),
    R("FIN-SAP", "Senior Accounts Payable Clerk", "Finance", "S3", 1, "fin_payables fin_accounts teamwork",
      "Leads supplier payments and resolves the difficult cases."),
    R("FIN-ARC", "Accounts Receivable Clerk", "Finance", "S2", 0, "fin_receivables teamwork personal_safety",
      "Bills customers and makes sure the company is paid."),
    R("FIN-CRC", "Credit Controller", "Finance", "S3", 1, "fin_receivables teamwork personal_safety",
      "Manages customer credit and collects overdue debts."),
    R("FIN-PAY", "Payroll Officer", "Finance", "S2", 0, "fin_payroll teamwork personal_safety",
      "Pays employees correctly and on time."),
    R("FIN-SPO", "Senior Payroll Officer", "Finance", "S3", 1, "fin_payroll hr_operations teamwork",
      "Runs the payroll and resolves complex pay questions."),
    R("FIN-PYM", "Payroll Manager", "Finance", "M1", 0, "fin_payroll people_mgmt business_mgmt",
      "Leads the payroll team and answers for accurate, compliant pay."),
    R("FIN-FAC", "Financial Accountant", "Finance", "P2", 0, "fin_accounts teamwork personal_safety",
      "Keeps the company's accounts accurate and complete."),
    R("FIN-SFA", "Senior Financial Accountant", "Finance", "P3", 1, "fin_accounts fin_treasury teamwork",
      "Leads the month-end close and the statutory accounts."),
    R("FIN-MAC", "Management Accountant", "Finance", "P2", 0, "fin_management_accounts teamwork personal_safety",
      "Reports costs and margins and explains what drives them."),
    R("FIN-SMA", "Senior Management Accountant", "Finance", "P3", 1, "fin_management_accounts fin_accounts teamwork",
      "Leads management reporting for a division."),
    R("FIN-FBP", "Finance Business Partner", "Finance", "P3", 1,
      "fin_management_accounts business_mgmt teamwork",
      "Works alongside operational leaders to improve financial performance."),
    R("FIN-TRA", "Treasury Analyst", "Finance", "P2", 0, "fin_treasury teamwork personal_safety",
      "Manages daily cash and supports funding and hedging."),
    R("FIN-TAX", "Tax Specialist", "Finance", "P3", 1, "fin_treasury fin_accounts teamwork",
      "Makes sure the company pays the right tax and files on time."),
    R("FIN-FCO", "Financial Controller", "Finance", "M2", 0, "fin_accounts people_mgmt business_mgmt",
      "Leads financial accounting and answers for the integrity of the accounts."),
    R("FIN-FPA", "Head of Financial Planning", "Finance", "M2", 0,
      "fin_management_accounts people_mgmt business_mgmt", "Leads budgeting, forecasting and performance reporting."),
    R("FIN-TTM", "Treasury and Tax Manager", "Finance", "M2", 0, "fin_treasury people_mgmt business_mgmt",
      "Leads treasury and tax."),
    R("FIN-DIR", "Finance Director", "Finance", "E1", 1, "exec_lead business_mgmt fin_management_accounts people_mgmt",
      "Leads the finance function and advises the board on financial strategy."),
    # ------------------------------------------------------------------ human resources
    R("HR-ADM", "HR Administrator", "Human resources", "S2", 0, "hr_operations admin_support teamwork",
      "Keeps employee records and HR paperwork accurate and timely."),
    R("HR-ADV", "HR Advisor", "Human resources", "P2", 0, "hr_advice hr_operations teamwork",
      "Advises managers and employees on policy and cases."),
    R("HR-HBP", "HR Business Partner", "Human resources", "P3", 1, "hr_advice hr_recruitment teamwork",
      "Partners a business area's leaders on organisation, talent and employee relations."),
    R("HR-SBP", "Senior HR Business Partner", "Human resources", "P4", 1, "hr_advice business_mgmt teamwork",
      "Partners a division's leadership team on its people strategy."),
    R("HR-RCC", "Recruitment Coordinator", "Human resources", "S2", 0, "hr_recruitment admin_support teamwork",
      "Organises recruitment campaigns, interviews and offers."),
    R("HR-REC", "Recruiter", "Human resources", "P2", 0, "hr_recruitment teamwork personal_safety",
      "Finds and selects the people the company needs."),
    R("HR-LDC", "Learning and Development Coordinator", "Human resources", "S2", 0,
      "hr_learning admin_support teamwork", "Organises training and keeps training records straight."),
    R("HR-LDS", "Learning and Development Specialist", "Human resources", "P3", 0,
      "hr_learning teamwork personal_safety", "Designs and delivers learning that closes competency gaps."),
    R("HR-CAC", "Competence Assurance Coordinator", "Human resources", "P2", 0, "hr_learning hr_operations teamwork",
      "Runs the competence assurance scheme: role profiles, assessments and records."),
    R("HR-WPA", "Workplace Assessor", "Human resources", "P2", 0, "hr_learning op_training teamwork",
      "Assesses people at work against the company's competence standards."),
    R("HR-RWA", "Reward Analyst", "Human resources", "P2", 0, "hr_reward teamwork personal_safety",
      "Analyses pay and benefits and supports the annual pay review."),
    R("HR-RWM", "Reward Manager", "Human resources", "M2", 0, "hr_reward people_mgmt business_mgmt",
      "Leads pay and benefits."),
    R("HR-HRM", "HR Manager", "Human resources", "M2", 0, "hr_advice people_mgmt business_mgmt",
      "Leads the HR business partners."),
    R("HR-TAM", "Talent Acquisition Manager", "Human resources", "M2", 0, "hr_recruitment people_mgmt business_mgmt",
      "Leads recruitment."),
    R("HR-LDM", "Learning and Competence Manager", "Human resources", "M2", 0,
      "hr_learning people_mgmt business_mgmt", "Leads learning, development and competence assurance."),
    R("HR-OPM", "HR Operations Manager", "Human resources", "M2", 0, "hr_operations people_mgmt business_mgmt",
      "Leads HR administration and systems."),
    R("HR-DIR", "HR Director", "Human resources", "E1", 1, "exec_lead hr_advice business_mgmt people_mgmt",
      "Leads the HR function and the company's people strategy."),
    # ------------------------------------------------------------------ IT and data
    R("IT-SDA", "Service Desk Analyst", "Information technology", "S2", 0, "it_service teamwork personal_safety",
      "Helps colleagues with IT problems and requests."),
    R("IT-SSD", "Senior Service Desk Analyst", "Information technology", "S3", 1,
      "it_service it_infrastructure teamwork", "Resolves the harder IT incidents and leads a service desk shift."),
    R("IT-DST", "Desktop Support Technician", "Information technology", "S2", 0, "it_service teamwork personal_safety",
      "Builds, deploys and repairs end-user devices."),
    R("IT-SYS", "Systems Administrator", "Information technology", "P2", 0,
      "it_infrastructure it_service teamwork", "Runs the company's servers and cloud services."),
    R("IT-NET", "Network Engineer", "Information technology", "P2", 0, "it_infrastructure it_security teamwork",
      "Runs the company's data networks."),
    R("IT-CLE", "Cloud Engineer", "Information technology", "P3", 1, "it_infrastructure it_applications teamwork",
      "Builds and automates the company's cloud platforms."),
    R("IT-CSA", "Cybersecurity Analyst", "Information technology", "P2", 0,
      "it_security it_infrastructure teamwork", "Protects the company's systems and data from attack."),
    R("IT-OTS", "OT Cybersecurity Analyst", "Information technology", "P3", 1, "it_security eng_control teamwork",
      "Protects the control systems that run the plants from cyber attack."),
    R("IT-APA", "Applications Analyst", "Information technology", "P2", 0, "it_applications it_service teamwork",
      "Supports and improves the business applications people use every day."),
    R("IT-DEV", "Software Developer", "Information technology", "P2", 0,
      "it_applications teamwork personal_safety", "Develops and maintains the company's software."),
    R("IT-SDV", "Senior Software Developer", "Information technology", "P3", 1,
      "it_applications data_analytics teamwork", "Leads software design and mentors developers."),
    R("IT-PMG", "IT Project Manager", "Information technology", "M1", 0, "it_projects it_applications teamwork",
      "Delivers IT projects on time and on budget."),
    R("IT-EAR", "Enterprise Architect", "Information technology", "P4", 1,
      "it_infrastructure it_applications business_mgmt", "Shapes the company's technology landscape."),
    R("IT-DAN", "Data Analyst", "Information technology", "P2", 0, "data_analytics teamwork personal_safety",
      "Turns plant and business data into reports that help people decide."),
    R("IT-DEN", "Data Engineer", "Information technology", "P3", 0, "data_analytics it_applications teamwork",
      "Builds the pipelines that bring plant and business data together."),
    R("IT-BID", "Business Intelligence Developer", "Information technology", "P2", 0,
      "data_analytics it_applications teamwork", "Builds dashboards and the data models behind them."),
    R("IT-DSC", "Data Scientist", "Information technology", "P3", 1, "data_analytics teamwork personal_safety",
      "Builds models that predict failures, demand and prices."),
    R("IT-SDM", "Service Desk Manager", "Information technology", "M1", 0, "it_service people_mgmt business_mgmt",
      "Leads the service desk and answers for user satisfaction."),
    R("IT-INM", "Infrastructure Manager", "Information technology", "M2", 0,
      "it_infrastructure people_mgmt business_mgmt", "Leads IT infrastructure."),
    R("IT-SEM", "Information Security Manager", "Information technology", "M2", 0,
      "it_security people_mgmt business_mgmt", "Leads cybersecurity for IT and OT."),
    R("IT-APM", "Applications Manager", "Information technology", "M2", 0,
      "it_applications people_mgmt business_mgmt", "Leads business applications."),
    R("IT-DAM", "Data and Analytics Manager", "Information technology", "M2", 0,
      "data_analytics people_mgmt business_mgmt", "Leads data and analytics."),
    R("IT-CIO", "Chief Information Officer", "Information technology", "E1", 1,
      "exec_lead business_mgmt it_security people_mgmt", "Leads IT, OT security and data."),
    # ------------------------------------------------------------------ procurement
    R("PRC-PAS", "Procurement Assistant", "Procurement", "S1", -1, "proc_buying admin_support teamwork",
      "Supports buyers with orders, quotations and supplier records."),
    R("PRC-BUY", "Buyer", "Procurement", "P1", 0, "proc_buying teamwork personal_safety",
      "Buys goods and services at the right price, quality and time."),
    R("PRC-SBY", "Senior Buyer", "Procurement", "P2", 1, "proc_buying proc_category teamwork",
      "Buys complex and high-value items and coaches buyers."),
    R("PRC-CAT", "Category Manager", "Procurement", "P3", 1, "proc_category business_mgmt teamwork",
      "Sets and delivers the sourcing strategy for a spend category."),
    R("PRC-CAD", "Contracts Administrator", "Procurement", "S2", 0, "proc_category admin_support teamwork",
      "Keeps contracts, variations and renewals in order."),
    R("PRC-SQA", "Supplier Quality Advisor", "Procurement", "P2", 0, "proc_category hse_advice teamwork",
      "Checks that suppliers and contractors meet quality and safety standards."),
    R("PRC-CMG", "Contracts Manager", "Procurement", "M2", 1, "proc_category business_mgmt people_mgmt",
      "Leads category and contract management."),
    R("PRC-STK", "Storekeeper", "Procurement", "S2", 0, "proc_stores teamwork personal_safety",
      "Receives, stores and issues the materials the plants need."),
    R("PRC-LOG", "Logistics Coordinator", "Procurement", "S2", 0, "proc_stores admin_support teamwork",
      "Arranges the transport of goods, including dangerous goods."),
    R("PRC-WSV", "Warehouse Supervisor", "Procurement", "M1", 0, "proc_stores people_mgmt safety_leadership",
      "Supervises a warehouse team and answers for stock accuracy and safety."),
    R("PRC-PUM", "Purchasing Manager", "Procurement", "M2", 0, "proc_buying people_mgmt business_mgmt",
      "Leads purchasing operations."),
    R("PRC-MLM", "Materials and Logistics Manager", "Procurement", "M2", 0,
      "proc_stores people_mgmt business_mgmt", "Leads stores, materials and logistics."),
    R("PRC-HOP", "Head of Procurement", "Procurement", "E1", 0, "exec_lead proc_category business_mgmt people_mgmt",
      "Leads procurement and the company's supply strategy."),
)

# ============================================================================ organisation structure


@dataclass
class UnitTemplate:
    code: str
    name: str
    head: str
    mix: dict[str, int] = field(default_factory=dict)  # staff of a leaf; own staff of a parent
    lead: str | None = None
    weight: float = 1.0
    min_employees: int = 0  # below this size the unit is folded into its parent
    children: list[UnitTemplate] = field(default_factory=list)


def U(code: str, name: str, head: str, mix: dict[str, int] | None = None, *, lead: str | None = None,
      weight: float = 1.0, min_employees: int = 0, children: list[UnitTemplate] | None = None) -> UnitTemplate:
    return UnitTemplate(code, name, head, dict(mix or {}), lead, weight, min_employees, list(children or []))


REGIONS = ("North", "South", "East", "West", "Central", "Coastal", "Estuary", "Highlands", "Northwest",
           "Southeast", "Midlands", "Borders")
SITE_TYPES = ("Gas Terminal", "Power Station", "Refinery", "Hydrogen Hub", "Compressor Station", "Gas Storage",
              "LNG Terminal", "Energy Park")
PLACES = (
    "Ashcombe", "Blackmoor", "Brackenridge", "Calderbank", "Carrick", "Corran", "Dunmere", "Eastholme", "Elmsford",
    "Fenwick", "Fernhill", "Glenbrook", "Greystone", "Halewood", "Harrowby", "Hollins", "Inchmore", "Kelso Bay",
    "Kirkby Marsh", "Langstone", "Larchfield", "Marshwood", "Millbay", "Moorfoot", "Netherton", "Northwick",
    "Oakmere", "Ormsby", "Penhallow", "Pinewood", "Quarry Bank", "Redcliffe", "Rosemarket", "Saltcote", "Sandhaven",
    "Seaton Carew", "Shawbury", "Stanlow Moss", "Thornbury", "Tidewater", "Upton Fields", "Wadebridge", "Westerdale",
    "Whinfell", "Whitsand", "Wickmere", "Windle", "Wolvey", "Yarrow", "Ystrad", "Brindle Point", "Cold Harbour",
    "Dovecote", "Eskdale", "Foxhole", "Gorran", "Heronsgate", "Ivybridge Marsh", "Juniper Head", "Kestrel Point",
)


def _site_units(site_no: int, place: str, site_type: str) -> tuple[UnitTemplate, UnitTemplate]:
    code = f"S{site_no:02d}"
    shifts = [U(f"{code}-PRD-{letter}", f"{place} Shift {letter}", "OPS-SHM",
                {"OPS-FOP": 10, "OPS-SFO": 4, "OPS-TRN": 2, "OPS-CRO": 4, "OPS-SCR": 2, "OPS-JTY": 1},
                lead="OPS-SSV", min_employees=0 if letter in "AB" else 200)
              for letter in "ABCDE"]
    operations = U(code, f"{place} {site_type}", "OPS-SIT",
                   {"OPS-TAS": 1, "HSE-SIT": 1, "EXE-ADM": 1, "OPS-ETC": 1},
                   children=[
                       U(f"{code}-PRD", f"{place} Production", "OPS-PRM", {"OPS-PMC": 1, "OPS-PLN": 1},
                         weight=10, children=shifts),
                       U(f"{code}-LAB", f"{place} Laboratory", "OPS-LSV", {"OPS-LTE": 3, "OPS-LAN": 1},
                         lead="OPS-LAN", weight=1, min_employees=200),
                   ])
    maintenance = U(code, f"{place} Maintenance", "MNT-MMG", {"MNT-SMP": 1}, children=[
        U(f"{code}-MECH", f"{place} Mechanical Maintenance", "MNT-MSV",
          {"MNT-MTE": 6, "MNT-SMT": 2, "MNT-AMT": 1, "MNT-RIG": 1, "MNT-WFB": 1}, lead="MNT-MTL", weight=3,
          min_employees=400),
        U(f"{code}-ELEC", f"{place} Electrical and HV", "MNT-MSV",
          {"MNT-ETE": 5, "MNT-SET": 2, "MNT-AET": 1, "MNT-HVA": 2, "MNT-HVS": 1}, lead="MNT-MTL", weight=3,
          min_employees=400),
        U(f"{code}-INST", f"{place} Instrumentation and Control", "MNT-MSV",
          {"MNT-ITE": 6, "MNT-SIT": 2, "MNT-AIT": 1}, lead="MNT-MTL", weight=2.5, min_employees=400),
        U(f"{code}-PLAN", f"{place} Maintenance Planning", "MNT-SMP", {"MNT-MPL": 3}, lead="MNT-SMP", weight=0.6,
          min_employees=600),
    ])
    return operations, maintenance


def organisation_template(employees: int, rng: random.Random) -> UnitTemplate:
    """The unit tree for a company of this size: more sites (and regions) as it grows."""
    sites = 1 if employees < 250 else max(2, min(len(PLACES), round(employees / 1000)))
    # About five sites per region, at most eight regions, so no regional or divisional head has more
    # than a dozen direct reports.
    regions = min(8, math.ceil(sites / 5))
    places = list(PLACES)
    rng.shuffle(places)
    types = list(SITE_TYPES)
    rng.shuffle(types)
    ops_regions: list[UnitTemplate] = []
    mnt_regions: list[UnitTemplate] = []
    for region_no in range(1, regions + 1):
        region = REGIONS[(region_no - 1) % len(REGIONS)]
        ops_sites, mnt_sites = [], []
        for site_no in range(region_no, sites + 1, regions):
            operations, maintenance = _site_units(site_no, places[site_no - 1], types[(site_no - 1) % len(types)])
            operations.code, maintenance.code = f"OPS-{operations.code}", f"MNT-{maintenance.code}"
            for child in operations.children:
                child.code = f"OPS-{child.code}"
                for grandchild in child.children:
                    grandchild.code = f"OPS-{grandchild.code}"
            for child in maintenance.children:
                child.code = f"MNT-{child.code}"
            ops_sites.append(operations)
            mnt_sites.append(maintenance)
        ops_regions.append(U(f"OPS-R{region_no}", f"{region} Region Operations", "OPS-ROM", {"OPS-PFA": 1},
                             children=ops_sites))
        mnt_regions.append(U(f"MNT-R{region_no}", f"{region} Region Maintenance", "MNT-RMM", {},
                             children=mnt_sites))
    # Sites are listed region by region, so "site 1" (OPS-S01) comes first in region 1.
    for group in (ops_regions, mnt_regions):
        for region_unit in group:
            region_unit.children.sort(key=lambda unit: unit.code)
            region_unit.weight = len(region_unit.children)
    central = 800  # below this size a function is one unit, not a set of departments
    return U("KE", COMPANY, "EXE-CEO", {"EXE-EAS": 1, "EXE-COM": 1}, children=[
        U("OPS", "Operations", "OPS-DIR", {"OPS-PFA": 1, "EXE-EAS": 1}, weight=52, children=ops_regions),
        U("MNT", "Maintenance", "MNT-HOM", {"EXE-EAS": 1}, weight=27, children=[
            *mnt_regions,
            U("MNT-REL", "Reliability and Condition Monitoring", "MNT-RLM",
              {"ENG-REL": 2, "ENG-SRE": 1, "MNT-CMT": 3, "MNT-VAN": 1}, lead="ENG-SRE", weight=1,
              min_employees=central),
            U("MNT-WKS", "Central Workshop", "MNT-WSV",
              {"MNT-MAC": 3, "MNT-WFB": 3, "MNT-MTE": 2, "MNT-LEI": 1, "MNT-RIG": 1}, lead="MNT-MTL", weight=1,
              min_employees=central),
            U("MNT-TAR", "Turnaround Planning", "MNT-TAM", {"MNT-TAP": 3, "MNT-MPL": 1, "ENG-CST": 1},
              lead="MNT-TAP", weight=0.5, min_employees=central),
        ]),
        U("ENG", "Engineering", "ENG-CHE", {"EXE-EAS": 1}, weight=7, children=[
            U("ENG-PROC", "Process Engineering", "ENG-PEM", {"ENG-GPE": 1, "ENG-PRE": 3, "ENG-SPE": 2, "ENG-PPE": 1},
              lead="ENG-SPE", min_employees=central),
            U("ENG-ELEC", "Electrical Engineering", "ENG-EEM",
              {"ENG-GEE": 1, "ENG-ELE": 3, "ENG-SEE": 2, "ENG-PEE": 1}, lead="ENG-SEE", min_employees=central),
            U("ENG-CTRL", "Control Systems", "ENG-CEM", {"ENG-GCE": 1, "ENG-CSE": 3, "ENG-SCE": 2, "ENG-PCE": 1},
              lead="ENG-SCE", min_employees=central),
            U("ENG-INTG", "Mechanical and Asset Integrity", "ENG-AIM",
              {"ENG-GME": 1, "ENG-MEE": 2, "ENG-SME": 1, "ENG-AIE": 2, "ENG-SAI": 1, "ENG-COR": 1, "ENG-INS": 2,
               "ENG-NDT": 2}, lead="ENG-SAI", weight=1.5, min_employees=central),
            U("ENG-NEW", "Hydrogen and New Energy", "ENG-NEM", {"ENG-HSE": 3, "ENG-SHS": 1, "ENG-ESE": 2},
              lead="ENG-SHS", weight=0.8, min_employees=central),
            U("ENG-PROJ", "Projects", "ENG-HOP", {}, weight=1.5, min_employees=central, children=[
                U("ENG-PROJ-DEL", "Project Delivery", "ENG-PJM",
                  {"ENG-PJE": 3, "ENG-SPJ": 2, "ENG-PJM": 1, "ENG-CMS": 1}, lead="ENG-SPJ"),
                U("ENG-PROJ-SRV", "Project Services", "ENG-PJM", {"ENG-CAD": 2, "ENG-DOC": 2, "ENG-CST": 1},
                  lead="ENG-CAD", weight=0.7),
            ]),
        ]),
        U("HSE", "Health, Safety and Environment", "HSE-DIR", {"EXE-EAS": 1}, weight=4, children=[
            U("HSE-SAFE", "Occupational Safety", "HSE-MGR", {"HSE-ADV": 3, "HSE-SAD": 1, "HSE-STR": 1},
              lead="HSE-SAD", min_employees=central),
            U("HSE-PSAF", "Process Safety", "HSE-PSM", {"HSE-PSE": 2, "HSE-SPS": 1}, lead="HSE-SPS",
              weight=0.6, min_employees=central),
            U("HSE-ENV", "Environment", "HSE-ENM", {"HSE-ENA": 3}, lead="HSE-ENA", weight=0.6,
              min_employees=central),
            U("HSE-OH", "Occupational Health", "HSE-OHM", {"HSE-OHN": 3, "HSE-OHY": 1}, lead="HSE-OHY",
              weight=0.6, min_employees=central),
            U("HSE-EMR", "Emergency Planning and Response", "HSE-ERM", {"HSE-ERC": 2, "HSE-ERO": 5},
              lead="HSE-ERC", min_employees=central),
        ]),
        U("CORP", "Corporate Services", "EXE-CSD", {"EXE-EAS": 1}, weight=10, children=[
            U("CORP-FIN", "Finance", "FIN-DIR", {}, weight=1.2, children=[
                U("CORP-FIN-ACC", "Financial Accounting", "FIN-FCO",
                  {"FIN-APC": 4, "FIN-SAP": 1, "FIN-ARC": 3, "FIN-CRC": 1, "FIN-FAC": 2, "FIN-SFA": 1, "FIN-ASM": 1},
                  lead="FIN-SAP", weight=1.5, min_employees=central),
                U("CORP-FIN-FPA", "Financial Planning and Analysis", "FIN-FPA",
                  {"FIN-MAC": 3, "FIN-SMA": 1, "FIN-FBP": 2}, lead="FIN-SMA", min_employees=central),
                U("CORP-FIN-PAY", "Payroll", "FIN-PYM", {"FIN-PAY": 4, "FIN-SPO": 1}, lead="FIN-SPO",
                  min_employees=central),
                U("CORP-FIN-TRS", "Treasury and Tax", "FIN-TTM", {"FIN-TRA": 2, "FIN-TAX": 1}, lead="FIN-TAX",
                  weight=0.4, min_employees=central),
            ]),
            U("CORP-HR", "Human Resources", "HR-DIR", {}, weight=1.2, children=[
                U("CORP-HR-OPS", "HR Operations", "HR-OPM", {"HR-ADM": 4, "HR-ADV": 2}, lead="HR-ADV",
                  min_employees=central),
                U("CORP-HR-BP", "HR Business Partnering", "HR-HRM", {"HR-HBP": 3, "HR-SBP": 1, "HR-ADV": 1},
                  lead="HR-SBP", min_employees=central),
                U("CORP-HR-TAL", "Talent Acquisition", "HR-TAM", {"HR-REC": 3, "HR-RCC": 2}, lead="HR-REC",
                  weight=0.7, min_employees=central),
                U("CORP-HR-LC", "Learning and Competence", "HR-LDM",
                  {"HR-CAC": 2, "HR-LDC": 2, "HR-LDS": 2, "HR-WPA": 2}, lead="HR-LDS", min_employees=central),
                U("CORP-HR-RWD", "Reward", "HR-RWM", {"HR-RWA": 2}, lead="HR-RWA", weight=0.4,
                  min_employees=central),
            ]),
            U("CORP-IT", "Information Technology", "IT-CIO", {}, weight=1.4, children=[
                U("CORP-IT-SD", "Service Desk", "IT-SDM", {"IT-SDA": 5, "IT-SSD": 1, "IT-DST": 3}, lead="IT-SSD",
                  min_employees=central),
                U("CORP-IT-INF", "Infrastructure", "IT-INM", {"IT-SYS": 3, "IT-NET": 2, "IT-CLE": 1},
                  lead="IT-CLE", weight=0.8, min_employees=central),
                U("CORP-IT-SEC", "Cybersecurity", "IT-SEM", {"IT-CSA": 2, "IT-OTS": 2}, lead="IT-OTS", weight=0.6,
                  min_employees=central),
                U("CORP-IT-APP", "Business Applications", "IT-APM",
                  {"IT-APA": 2, "IT-DEV": 3, "IT-SDV": 1, "IT-PMG": 1, "IT-EAR": 1}, lead="IT-SDV",
                  min_employees=central),
                U("CORP-IT-DAT", "Data and Analytics", "IT-DAM",
                  {"IT-DAN": 3, "IT-DEN": 2, "IT-BID": 1, "IT-DSC": 1}, lead="IT-DSC", weight=0.8,
                  min_employees=central),
            ]),
            U("CORP-PRC", "Procurement", "PRC-HOP", {}, children=[
                U("CORP-PRC-PUR", "Purchasing", "PRC-PUM", {"PRC-PAS": 2, "PRC-BUY": 4, "PRC-SBY": 2},
                  lead="PRC-SBY", min_employees=central),
                U("CORP-PRC-CAT", "Category and Contract Management", "PRC-CMG",
                  {"PRC-CAT": 2, "PRC-CAD": 2, "PRC-SQA": 1}, lead="PRC-CAT", weight=0.7, min_employees=central),
                U("CORP-PRC-MAT", "Materials and Logistics", "PRC-MLM", {"PRC-STK": 5, "PRC-LOG": 2},
                  lead="PRC-WSV", weight=1.2, min_employees=central),
            ]),
        ]),
    ])


# ============================================================================ planning (pure Python)


@dataclass
class PlannedUnit:
    pk: int
    external_id: str
    name: str
    parent: PlannedUnit | None
    path: str
    depth: int
    template: UnitTemplate


@dataclass
class PlannedPerson:
    pk: int
    unit: PlannedUnit
    role: str
    manager: PlannedPerson | None
    manager_path: str
    leaver: bool = False


def _prune(template: UnitTemplate, employees: int) -> None:
    """Fold units a company of this size would not have into their parent (their staff mix joins it)."""
    kept = []
    for child in template.children:
        _prune(child, employees)
        if employees < child.min_employees:
            for role, weight in _flatten_mix(child).items():
                template.mix[role] = template.mix.get(role, 0) + weight
            # The folded unit's heads and leads stay in the mix with no weight: no one is hired into
            # them, but the role still gets a (vacant) seat in the unit that took the work over.
            for role in _heads(child):
                template.mix.setdefault(role, 0)
            template.lead = template.lead or child.lead
        else:
            kept.append(child)
    template.children = kept


def _flatten_mix(template: UnitTemplate) -> dict[str, int]:
    mix = dict(template.mix)
    for child in template.children:
        for role, weight in _flatten_mix(child).items():
            mix[role] = mix.get(role, 0) + weight
    return mix


def _heads(template: UnitTemplate) -> list[str]:
    """The head and team-lead roles of a unit and everything under it."""
    own = [template.head, *([template.lead] if template.lead else [])]
    return [*own, *(role for child in template.children for role in _heads(child))]


def _min_need(template: UnitTemplate) -> int:
    return 1 + sum(_min_need(child) for child in template.children)


def split_whole(total: int, weights: Sequence[float], minimums: Sequence[int]) -> list[int]:
    """Split `total` into integers proportional to `weights`, each at least its minimum (largest remainder,
    ties to the earlier index). Assumes total >= sum(minimums)."""
    n = len(weights)
    fixed: dict[int, int] = {}
    while True:
        free = [i for i in range(n) if i not in fixed]
        available = total - sum(fixed.values())
        weight_sum = sum(weights[i] for i in free)
        if not free:
            break
        under = [i for i in free if available * weights[i] / weight_sum < minimums[i]]
        if not under:
            break
        for i in under:
            fixed[i] = minimums[i]
    result = [fixed.get(i, 0) for i in range(n)]
    free = [i for i in range(n) if i not in fixed]
    if free:
        available = total - sum(fixed.values())
        weight_sum = sum(weights[i] for i in free)
        exact = {i: available * weights[i] / weight_sum for i in free}
        for i in free:
            result[i] = math.floor(exact[i])
        leftover = available - sum(result[i] for i in free)
        for i in sorted(free, key=lambda i: (-(exact[i] - math.floor(exact[i])), i))[:leftover]:
            result[i] += 1
    return result


def _role_counts(mix: dict[str, int], count: int) -> list[str]:
    """`count` role keys in the proportions of `mix`, in mix order."""
    if count <= 0 or sum(mix.values()) <= 0:
        return []
    keys = list(mix)
    counts = split_whole(count, [mix[k] for k in keys], [0] * len(keys))
    return [key for key, n in zip(keys, counts, strict=True) for _ in range(n)]


class Planner:
    """Lays out units and people with their primary keys, paths and managers, before anything is written."""

    def __init__(self, employees: int, seed: int, unit_pk0: int, person_pk0: int) -> None:
        self.employees = employees
        self.rng = random.Random(f"compms-demo:{seed}:organisation")
        self.unit_pk = unit_pk0
        self.person_pk = person_pk0
        self.units: list[PlannedUnit] = []
        self.people: list[PlannedPerson] = []
        self.heads: dict[str, PlannedPerson] = {}       # unit external id -> its head
        self.line_managers: dict[str, list[PlannedPerson]] = {}  # unit external id -> who manages its staff
        self.staff_mix: dict[str, dict[str, int]] = {}  # unit external id -> staff mix (for vacancies, leavers)

    def plan(self) -> None:
        template = organisation_template(self.employees, self.rng)
        _prune(template, self.employees)
        if self.employees < _min_need(template):
            raise ValueError(f"{self.employees} employees are too few for the demo structure.")
        self._place(template, None, None, self.employees)

    def _new_unit(self, template: UnitTemplate, parent: PlannedUnit | None, external_id: str,
                  name: str) -> PlannedUnit:
        pk = self.unit_pk
        self.unit_pk += 1
        unit = PlannedUnit(pk=pk, external_id=external_id, name=name, parent=parent,
                           path=f"{parent.path if parent else '/'}{pk}/", depth=parent.depth + 1 if parent else 0,
                           template=template)
        self.units.append(unit)
        return unit

    def _new_person(self, unit: PlannedUnit, role: str, manager: PlannedPerson | None) -> PlannedPerson:
        pk = self.person_pk
        self.person_pk += 1
        path = f"{manager.manager_path or '/'}{manager.pk}/" if manager else ""
        person = PlannedPerson(pk=pk, unit=unit, role=role, manager=manager, manager_path=path)
        self.people.append(person)
        return person

    def _place(self, template: UnitTemplate, parent: PlannedUnit | None, boss: PlannedPerson | None,
               budget: int, external_id: str | None = None, name: str | None = None,
               head_role: str | None = None) -> None:
        unit = self._new_unit(template, parent, external_id or template.code, name or template.name)
        head = self._new_person(unit, head_role or template.head, boss)
        self.heads[unit.external_id] = head
        staff = budget - 1
        if not template.children:
            if staff > TEAM_UNIT_CAP:
                self._split_into_teams(template, unit, head, staff)
            else:
                self._staff_leaf(template, unit, head, staff)
            return
        minimums = [_min_need(child) for child in template.children]
        surplus = budget - 1 - sum(minimums)
        # Own staff: about a tenth of what is left over, and never so many that the head would have more
        # than MAX_SPAN direct reports.
        room = MAX_SPAN - len(template.children)
        own = min(sum(template.mix.values()), max(1, surplus // 10), room) if surplus > 0 and room > 0 else 0
        for role in _role_counts(template.mix, own):
            self._new_person(unit, role, head)
        if template.mix:
            # A parent's own staff work for its head directly (assistants, planners, folded-in teams).
            self.staff_mix[unit.external_id] = template.mix
            self.line_managers[unit.external_id] = [head]
        weights = [child.weight * self.rng.uniform(0.85, 1.15) for child in template.children]
        budgets = split_whole(budget - 1 - own, weights, minimums)
        for child, child_budget in zip(template.children, budgets, strict=True):
            self._place(child, unit, head, child_budget)

    def _split_into_teams(self, template: UnitTemplate, unit: PlannedUnit, head: PlannedPerson,
                          staff: int) -> None:
        teams = math.ceil(staff / (TEAM_UNIT_CAP - 10))
        leaf = UnitTemplate(template.code, template.name, template.lead or template.head, template.mix,
                            template.lead)
        for number, team_budget in enumerate(split_whole(staff, [1.0] * teams, [1] * teams), start=1):
            self._place(leaf, unit, head, team_budget, external_id=f"{unit.external_id}-T{number}",
                        name=f"{unit.name} Team {number}", head_role=leaf.head)

    def _staff_leaf(self, template: UnitTemplate, unit: PlannedUnit, head: PlannedPerson, staff: int) -> None:
        self.staff_mix[unit.external_id] = template.mix
        if staff <= MAX_SPAN:
            roles = _role_counts(template.mix, staff)
            self.rng.shuffle(roles)
            for role in roles:
                self._new_person(unit, role, head)
            self.line_managers[unit.external_id] = [head]
            return
        leads_needed = math.ceil(staff / TEAM_SIZE)
        lead_role = template.lead or next(iter(template.mix))
        leads = [self._new_person(unit, lead_role, head) for _ in range(leads_needed)]
        roles = _role_counts(template.mix, staff - leads_needed)
        self.rng.shuffle(roles)
        for index, role in enumerate(roles):
            self._new_person(unit, role, leads[index % leads_needed])
        self.line_managers[unit.external_id] = leads

    def add_leavers(self, count: int) -> list[PlannedPerson]:
        leaf_ids = sorted(self.staff_mix)
        leavers = []
        for _ in range(count):
            external_id = self.rng.choice(leaf_ids)
            mix = self.staff_mix[external_id]
            role = self.rng.choices(list(mix), weights=list(mix.values()))[0]
            manager = self.rng.choice(self.line_managers[external_id])
            person = self._new_person(manager.unit, role, manager)
            person.leaver = True
            leavers.append(person)
        return leavers


# ============================================================================ names and dates

FIRST_NAMES = (
    "Aaron", "Abigail", "Adaeze", "Adam", "Aisha", "Alan", "Alex", "Alice", "Amara", "Amir", "Amy", "Andrew",
    "Anna", "Arjun", "Ben", "Beth", "Bilal", "Bronwen", "Callum", "Carla", "Caroline", "Catriona", "Chen", "Chloe",
    "Chris", "Claire", "Connor", "Daniel", "Danielle", "David", "Deepa", "Diego", "Dylan", "Eilidh", "Elena",
    "Eleanor", "Emeka", "Emily", "Emma", "Erin", "Ewan", "Fatima", "Finn", "Fiona", "Gareth", "Grace", "Hamza",
    "Hannah", "Harriet", "Harry", "Helen", "Huw", "Ian", "Imran", "Isla", "Jack", "Jade", "James", "Jasmine",
    "Jessica", "Joanna", "Jonah", "Jordan", "Joseph", "Kai", "Karen", "Kate", "Kieran", "Kwame", "Laura", "Leah",
    "Leon", "Liam", "Lucy", "Luis", "Mairead", "Maria", "Mark", "Martha", "Matthew", "Mei", "Michael", "Mohammed",
    "Naomi", "Nathan", "Niamh", "Nikhil", "Nina", "Oliver", "Olivia", "Omar", "Owen", "Patrick", "Paul", "Priya",
    "Rachel", "Rhys", "Robert", "Rosa", "Ruth", "Ryan", "Samuel", "Sara", "Sean", "Sian", "Sofia", "Sophie",
    "Stefan", "Stephen", "Tariq", "Thomas", "Tom", "Una", "Victoria", "Wei", "William", "Yasmin", "Yusuf", "Zara",
    "Zoe",
)
SURNAMES = (
    "Adams", "Ahmed", "Ali", "Allen", "Anderson", "Armstrong", "Bailey", "Baker", "Banerjee", "Barnes", "Bell",
    "Bennett", "Bevan", "Boateng", "Brown", "Burns", "Butler", "Campbell", "Carter", "Chapman", "Chen", "Clarke",
    "Collins", "Cook", "Cooper", "Cox", "Cunningham", "Davies", "Dixon", "Doherty", "Douglas", "Edwards", "Ellis",
    "Evans", "Farrell", "Ferguson", "Fisher", "Fletcher", "Forbes", "Foster", "Fraser", "Gallagher", "Gibson",
    "Gill", "Graham", "Grant", "Gray", "Green", "Griffiths", "Hall", "Hamilton", "Harris", "Harrison", "Hart",
    "Hill", "Holmes", "Hughes", "Hussain", "Iqbal", "Jackson", "James", "Jenkins", "Johnson", "Jones", "Kaur",
    "Kelly", "Kennedy", "Khan", "King", "Knight", "Kowalski", "Lee", "Lewis", "Li", "Lloyd", "MacDonald",
    "Mackenzie", "Marshall", "Martin", "Mason", "Matthews", "McLean", "Miller", "Mitchell", "Moore", "Morgan",
    "Morris", "Murphy", "Murray", "Nguyen", "Nowak", "Obi", "O'Brien", "Okafor", "Owen", "Palmer", "Parker",
    "Patel", "Pearson", "Phillips", "Powell", "Price", "Quinn", "Rahman", "Reid", "Richards", "Roberts",
    "Robertson", "Robinson", "Rogers", "Ross", "Russell", "Scott", "Shah", "Sharma", "Shaw", "Simpson", "Singh",
    "Smith", "Stewart", "Sutherland", "Taylor", "Thomas", "Thompson", "Turner", "Walker", "Wallace", "Walsh",
    "Wang", "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young", "Zhang",
)
MANAGERIAL_GRADES = ("M", "E")


def _start_date(rng: random.Random, today: dt.date, role: RoleTemplate) -> dt.date:
    if role.offset < 0:
        days = rng.randint(30, 3 * 365)
    elif role.grade[:1] in MANAGERIAL_GRADES:
        days = int(rng.triangular(2 * 365, 32 * 365, 12 * 365))
    else:
        days = int(rng.triangular(60, 35 * 365, 5 * 365))
    return today - dt.timedelta(days=days)


# ============================================================================ building


def _next_pk(model: type[Model]) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _reset_sequences(models: Iterable[type[Model]]) -> None:
    """After inserting explicit primary keys, PostgreSQL's sequences must be moved past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def insert_rows(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT many rows without building a model instance per row, which is most of bulk_create's cost
    at 40,000+ rows. Values must already be in database form (dates through
    connection.ops.adapt_datefield_value and so on).

    SQLite: executemany, one prepared statement run in C. PostgreSQL: COPY, since any INSERT form costs
    either a round trip per row or Python-side quoting of every value."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for begin in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[begin:begin + BATCH])


def _clamp(level: int) -> int:
    return max(1, min(5, level))


def build_roles(seed: int) -> tuple[dict[str, Role], dict[str, int]]:
    """The job roles with their DACUM charts and derived requirement profiles. Returns roles by key and
    row counts."""
    rng = random.Random(f"compms-demo:{seed}:roles")
    refs = sorted({need[0] for duty in DUTIES.values() for task in duty.tasks for need in task.needs})
    competencies = resolve_refs(refs)
    changed_at = connection.ops.adapt_datetimefield_value(timezone.now())
    uuid_field = Requirement._meta.get_field("competency_uuid")
    pks = {model: _next_pk(model) for model in (Role, Duty, Task, TaskCompetency, Requirement)}
    roles: dict[str, Role] = {}
    duties: list[Duty] = []
    # Tasks, their competencies and the profiles are thousands of rows: plain tuples (see insert_rows).
    tasks: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    requirements: list[tuple[Any, ...]] = []
    for template in ROLES:
        role = Role(pk=pks[Role], external_id=template.key, name=template.name, family=template.family,
                    grade=template.grade, purpose=template.purpose)
        pks[Role] += 1
        roles[template.key] = role
        # (ref) -> [highest level, essential?]
        profile: dict[str, list[Any]] = {}
        for duty_order, duty_key in enumerate(template.duties, start=1):
            duty_template = DUTIES[duty_key]
            duty = Duty(pk=pks[Duty], role_id=role.pk, title=duty_template.title, sort_order=duty_order)
            pks[Duty] += 1
            duties.append(duty)
            available = len(duty_template.tasks)
            keep = rng.randint(max(2, available - 2), available)
            chosen = sorted(rng.sample(range(available), keep))
            for task_order, index in enumerate(chosen, start=1):
                task_template = duty_template.tasks[index]
                task_pk = pks[Task]
                pks[Task] += 1
                tasks.append((task_pk, duty.pk, task_template.title, task_order, task_template.frequency,
                              task_template.importance))
                for ref, base_level, standard in task_template.needs:
                    level = _clamp(base_level + template.offset)
                    links.append((pks[TaskCompetency], task_pk, competencies[ref].pk, level, standard))
                    pks[TaskCompetency] += 1
                    # Essential when the task asks for performance or is safety-critical (importance 4-5);
                    # knowledge and behaviour asked by routine tasks only make the line desirable.
                    essential = standard == P or task_template.importance >= 4
                    line = profile.setdefault(ref, [0, False])
                    line[0] = max(line[0], level)
                    line[1] = line[1] or essential
        # The same rule as organisation.services.derive_profiles: the highest level any task needs.
        for ref in sorted(profile):
            level, essential = profile[ref]
            competency = competencies[ref]
            criticality = Requirement.Criticality.ESSENTIAL if essential else Requirement.Criticality.DESIRABLE
            requirements.append((pks[Requirement], role.pk, competency.pk,
                                 uuid_field.get_db_prep_value(competency.uuid, connection), None, level,
                                 criticality.value, level, False, None, changed_at, ""))
            pks[Requirement] += 1
    Role.objects.bulk_create(roles.values(), batch_size=BATCH)
    Duty.objects.bulk_create(duties, batch_size=BATCH)
    insert_rows(Task, ("id", "duty", "title", "sort_order", "frequency", "importance"), tasks)
    insert_rows(TaskCompetency, ("id", "task", "competency", "level", "standard"), links)
    insert_rows(Requirement, ("id", "role", "competency", "competency_uuid", "context", "level", "criticality",
                              "derived_level", "manual", "changed_by", "changed_at", "note"), requirements)
    counts = {"roles": len(roles), "duties": len(duties), "tasks": len(tasks), "task_competencies": len(links),
              "requirements": len(requirements)}
    return roles, counts


def organisation_present() -> bool:
    return Unit.objects.exists() or Person.objects.exists() or Role.objects.exists()


def build_organisation(*, employees: int, seed: int = 1, today: dt.date | None = None,
                       users: dict[str, Any] | None = None,
                       progress: Callable[[str], None] | None = None) -> list[str]:
    """Build the demo organisation. The caller holds the transaction (compms.site.demo.build does).

    `users` maps demo usernames (manager, employee, hr, assessor, competency) to User rows to link to
    fitting people. Returns summary lines.
    """
    say = progress or (lambda _message: None)
    if employees < MIN_EMPLOYEES:
        raise ValueError(f"The demo needs at least {MIN_EMPLOYEES} employees (asked for {employees}).")
    if organisation_present():
        return ["organisation already present; left as it is"]
    today = today or dt.date.today()
    now = timezone.now()

    say("  job roles with DACUM charts and requirement profiles")
    roles, role_counts = build_roles(seed)

    say(f"  planning {employees} people")
    planner = Planner(employees, seed, _next_pk(Unit), _next_pk(Person))
    planner.plan()
    leavers = planner.add_leavers(max(2, round(employees * LEAVER_SHARE)))

    rng = random.Random(f"compms-demo:{seed}:people")
    say("  writing units")
    Unit.objects.bulk_create(
        (Unit(pk=u.pk, external_id=u.external_id, name=u.name, parent_id=u.parent.pk if u.parent else None,
              path=u.path, depth=u.depth) for u in planner.units), batch_size=BATCH)

    say("  writing people")
    role_templates = {template.key: template for template in ROLES}
    date = connection.ops.adapt_datefield_value
    numbers = rng.sample(range(100000, 1000000), len(planner.people))
    emails_used: dict[str, int] = {}
    person_rows: list[tuple[Any, ...]] = []
    starts: dict[int, dt.date] = {}
    left_on: dict[int, dt.date] = {}
    for planned, number in zip(planner.people, numbers, strict=True):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        local = f"{first}.{last}".lower().replace("'", "")
        emails_used[local] = emails_used.get(local, 0) + 1
        suffix = emails_used[local]
        email = f"{local}@{EMAIL_DOMAIN}" if suffix == 1 else f"{local}{suffix}@{EMAIL_DOMAIN}"
        start = _start_date(rng, today, role_templates[planned.role])
        if planned.leaver:
            # Leavers went in the last year, after at least a year with the company.
            start = min(start, today - dt.timedelta(days=rng.randint(400, 3000)))
            left_on[planned.pk] = today - dt.timedelta(days=rng.randint(7, 330))
        starts[planned.pk] = start
        person_rows.append((planned.pk, f"E{number}", f"{first} {last}", email, planned.unit.pk,
                            planned.manager.pk if planned.manager else None, planned.manager_path, date(start),
                            not planned.leaver, date(left_on.get(planned.pk)), None))
    insert_rows(Person, ("id", "employee_id", "name", "email", "unit", "manager", "manager_path", "start_date",
                         "active", "left_on", "user"), person_rows)

    say("  writing positions and history")
    recorded_at = connection.ops.adapt_datetimefield_value(now)
    position_pk = _next_pk(Position)
    position_number = 1  # the organisation is empty (checked above), so POS-000001 is free
    position_rows: list[tuple[Any, ...]] = []
    move_rows: list[tuple[Any, ...]] = []

    def add_position(role_pk: int, unit_pk: int, holder: int | None = None, since: dt.date | None = None) -> int:
        nonlocal position_pk, position_number
        position_rows.append((position_pk, f"POS-{position_number:06d}", role_pk, unit_pk, "", holder, date(since)))
        position_pk += 1
        position_number += 1
        return position_pk - 1

    for planned in planner.people:
        role = roles[planned.role]
        start = starts[planned.pk]
        since = start
        if not planned.leaver and (role.grade[:1] in MANAGERIAL_GRADES or role_templates[planned.role].offset > 0):
            # Senior people were usually promoted into their position some time after joining.
            since = start + dt.timedelta(days=rng.randint(0, int((today - start).days * 0.7)))
        position = add_position(role.pk, planned.unit.pk, None if planned.leaver else planned.pk,
                                None if planned.leaver else since)
        label = f"{role.name} in {planned.unit.name}"[:300]
        unit_name = planned.unit.name[:300]
        move_rows.append((planned.pk, PersonMove.Kind.JOINED.value, date(start), "", unit_name, None, recorded_at,
                          None))
        move_rows.append((planned.pk, PersonMove.Kind.POSITION_START.value, date(since), "", label, position,
                          recorded_at, None))
        if planned.leaver:
            ended = date(left_on[planned.pk])
            move_rows.append((planned.pk, PersonMove.Kind.POSITION_END.value, ended, label, "", position,
                              recorded_at, None))
            move_rows.append((planned.pk, PersonMove.Kind.LEFT.value, ended, unit_name, "", None, recorded_at,
                              None))
    vacancies = 0
    staff_in: dict[int, int] = {}
    for planned in planner.people:
        if not planned.leaver:
            staff_in[planned.unit.pk] = staff_in.get(planned.unit.pk, 0) + 1
    for unit in planner.units:
        mix = planner.staff_mix.get(unit.external_id)
        if not mix:
            continue
        # Roughly one seat in 25 is open, at random: a unit of 10 has a 40% chance of a vacancy.
        open_seats = int((staff_in.get(unit.pk, 1) - 1) * VACANCY_SHARE + rng.random())
        for role_key in rng.choices(list(mix), weights=list(mix.values()), k=open_seats):
            add_position(roles[role_key].pk, unit.pk)
            vacancies += 1
    # Every role gets at least one seat somewhere: a vacant one in a unit whose work includes it.
    seated = {row[2] for row in position_rows}
    for template in ROLES:
        role = roles[template.key]
        if role.pk in seated:
            continue
        unit = next((u for u in planner.units if template.key in planner.staff_mix.get(u.external_id, {})), None)
        if unit is not None:
            add_position(role.pk, unit.pk)
            vacancies += 1
    insert_rows(Position, ("id", "external_id", "role", "unit", "title", "holder", "holder_since"), position_rows)
    insert_rows(PersonMove, ("person", "kind", "effective_on", "from_value", "to_value", "position", "recorded_at",
                             "recorded_by"), move_rows)
    _reset_sequences([Role, Duty, Task, TaskCompetency, Requirement, Unit, Person, Position])

    linked = link_demo_users(planner, users or {})

    active = len(person_rows) - len(leavers)
    positions, moves = position_rows, move_rows
    roles_note = (f"{role_counts['roles']} roles, {role_counts['duties']} duties, {role_counts['tasks']} tasks, "
                  f"{role_counts['task_competencies']} task competencies, "
                  f"{role_counts['requirements']} requirement lines")
    positions_note = f"{len(positions)} positions, {vacancies} vacant plus {len(leavers)} left by leavers"
    steps = [
        ("demo.roles", "organisation.role", roles_note),
        ("demo.units", "organisation.unit", f"{len(planner.units)} units"),
        ("demo.people", "organisation.person", f"{active} people, {len(leavers)} who left"),
        ("demo.positions", "organisation.position", positions_note),
        ("demo.history", "organisation.personmove", f"{len(moves)} history rows"),
    ]
    for action, object_type, note in steps:
        record_many(AUDIT_ACTOR, action, [{"object_type": object_type, "object_repr": note,
                                           "after": {"seed": seed, "employees": employees},
                                           "note": "demo build: one summary row for the whole bulk step"}])
    depth = max(unit.depth for unit in planner.units)
    summary = [
        (f"organisation {COMPANY}: {len(planner.units)} units ({depth + 1} levels), {active} people "
         f"(+{len(leavers)} who left), {len(positions)} positions ({vacancies + len(leavers)} vacant)"),
        (f"roles: {role_counts['roles']} with {role_counts['duties']} duties, {role_counts['tasks']} tasks and "
         f"{role_counts['requirements']} requirement lines"),
    ]
    summary.extend(linked)
    return summary


# ============================================================================ demo users

# username -> roles to look for, best first
USER_PICKS: dict[str, tuple[str, ...]] = {
    "hr": ("HR-HBP", "HR-ADV", "HR-HRM", "HR-DIR"),
    "assessor": ("OPS-TAS", "HR-WPA", "HSE-STR", "HR-LDS"),
    "competency": ("HR-CAC", "HR-LDM", "HR-LDS", "HR-DIR"),
}
MANAGER_UNIT = "OPS-S01-PRD"


def _pick_people(planner: Planner) -> dict[str, PlannedPerson]:
    """Who the demo users are: "manager" runs the first site's production (shift managers and their teams
    below), "employee" is one of their direct reports with no reports of their own."""
    picks: dict[str, PlannedPerson] = {}
    manager = planner.heads[MANAGER_UNIT]
    picks["manager"] = manager
    direct = [p for p in planner.people if p.manager is manager and not p.leaver]
    has_reports = {p.manager.pk for p in planner.people if p.manager is not None}
    plain = [p for p in direct if p.pk not in has_reports]
    picks["employee"] = (plain or direct)[0]
    taken = {manager.pk, picks["employee"].pk}
    for username, wanted in USER_PICKS.items():
        for role_key in wanted:
            match = next((p for p in planner.people if p.role == role_key and not p.leaver and p.pk not in taken),
                         None)
            if match is not None:
                picks[username] = match
                taken.add(match.pk)
                break
    return picks


def link_demo_users(planner: Planner, users: dict[str, Any]) -> list[str]:
    if not users:
        return []
    picks = _pick_people(planner)
    lines = []
    for username, person in picks.items():
        user = users.get(username)
        if user is None or Person.objects.filter(user=user).exists():
            continue
        Person.objects.filter(pk=person.pk).update(user=user)
        role = next(template.name for template in ROLES if template.key == person.role)
        lines.append(f"user {username} is {role} in {person.unit.name}")
    return lines
