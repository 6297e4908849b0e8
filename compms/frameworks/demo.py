"""The demo competency dictionaries: five energy-company frameworks written for CompMS.

ENERGY-OPS (operations safety and plant operation), MAINT (maintenance trades), ENG (engineering),
LEAD (leadership and behaviours) and CORP (corporate functions), each a tree of domain > competency >
element on a 0-5 scale, with level indicators for every competency and a few relations, some across
frameworks. All are published as v1; ENERGY-OPS also gets a draft v2 with a handful of changes, so
"compare versions" has something to show.

The text is original to this project. Everything is built through compms.frameworks.services, so the
demo exercises the same validation and audit trail as a competency manager's edits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from compms.access import SYSTEM
from compms.frameworks import services
from compms.frameworks.models import Competency, Framework, FrameworkVersion
from compms.frameworks.services import LevelSpec

# Short names used by the organisation demo when a task names a competency ("OPS:SSW.01").
FRAMEWORK_ALIASES: dict[str, str] = {
    "OPS": "ENERGY-OPS",
    "MAINT": "MAINT",
    "ENG": "ENG",
    "LEAD": "LEAD",
    "CORP": "CORP",
}

TECHNICAL_LEVELS = (
    LevelSpec(0, "None", "Has had no training or exposure in this area."),
    LevelSpec(1, "Aware", "Understands the purpose and the main hazards; watches or assists, never acts alone."),
    LevelSpec(2, "Supervised", "Does standard tasks correctly while a competent person checks the work."),
    LevelSpec(3, "Competent", "Does the whole task unsupervised to the required standard, in normal and "
                              "abnormal conditions."),
    LevelSpec(4, "Proficient", "Deals with complex or unfamiliar situations; supervises, coaches and assesses "
                               "others."),
    LevelSpec(5, "Authority", "Sets the standard for the company; investigates failures and improves practice."),
)

BEHAVIOUR_LEVELS = (
    LevelSpec(0, "Not shown", "The behaviour has not been seen at work."),
    LevelSpec(1, "Emerging", "Shows the behaviour now and then, usually when prompted."),
    LevelSpec(2, "Developing", "Shows the behaviour in familiar situations without prompting."),
    LevelSpec(3, "Established", "Shows the behaviour consistently, including under pressure."),
    LevelSpec(4, "Role model", "Others copy the behaviour; helps colleagues develop it."),
    LevelSpec(5, "Culture builder", "Shapes systems and norms so the whole organisation behaves this way."),
)

# Indicator templates per kind. {p} is the competency's phrase: a verb phrase for skills and
# behaviours ("isolate plant"), a noun phrase for knowledge ("the hazards of hydrogen").
INDICATOR_TEMPLATES: dict[str, dict[int, str]] = {
    "skill": {
        1: "Can describe how to {p} and helps a competent person to do it.",
        2: "Can {p} on routine jobs while a competent person checks the work.",
        3: "Can {p} without supervision, including non-routine jobs, and knows when to stop and ask.",
        4: "Can {p} on complex or high-risk jobs, and coaches and assesses others.",
        5: "Decides how the company should {p}, investigates failures and improves the method.",
    },
    "knowledge": {
        1: "Knows the basics of {p} and where the guidance is kept.",
        2: "Explains {p} as it applies to their own tasks.",
        3: "Applies a sound grasp of {p} to decisions in their area without prompting.",
        4: "Interprets {p} in unusual cases and teaches it to others.",
        5: "Is consulted as an authority on {p} and keeps the company's guidance on it current.",
    },
    "behaviour": {
        1: "When prompted, makes an effort to {p}.",
        2: "Tends to {p} in familiar situations.",
        3: "Reliably chooses to {p}, including under pressure.",
        4: "Helps others to {p} and is pointed to as an example.",
        5: "Builds a workplace where people {p} as a matter of course.",
    },
}


@dataclass(frozen=True)
class ElementSpec:
    code: str
    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class CompetencySpec:
    code: str
    name: str
    kind: str
    phrase: str
    description: str
    elements: tuple[ElementSpec, ...] = ()
    esco_uri: str = ""
    indicators: dict[int, str] | None = None  # hand-written; otherwise generated from INDICATOR_TEMPLATES


@dataclass(frozen=True)
class DomainSpec:
    code: str
    name: str
    kind: str
    description: str
    competencies: tuple[CompetencySpec, ...]


@dataclass(frozen=True)
class FrameworkSpec:
    code: str
    name: str
    description: str
    scale_name: str
    levels: tuple[LevelSpec, ...]
    domains: tuple[DomainSpec, ...] = field(default_factory=tuple)


def C(code: str, name: str, kind: str, phrase: str, description: str, *elements: ElementSpec,
      esco: str = "", indicators: dict[int, str] | None = None) -> CompetencySpec:
    return CompetencySpec(code, name, kind, phrase, description, tuple(elements), esco, indicators)


def E(code: str, name: str, kind: str, description: str) -> ElementSpec:
    return ElementSpec(code, name, kind, description)


def D(code: str, name: str, kind: str, description: str, *competencies: CompetencySpec) -> DomainSpec:
    return DomainSpec(code, name, kind, description, tuple(competencies))


ESCO = "http://data.europa.eu/esco/skill/"

ENERGY_OPS = FrameworkSpec(
    "ENERGY-OPS", "Energy operations safety",
    "What the people who run and work on the company's plants must be able to do to keep themselves, "
    "their colleagues and the plant safe.",
    "Technical competence", TECHNICAL_LEVELS, (
        D("SSW", "Safe systems of work", "skill",
          "Controlling hazardous work through permits, isolations and risk assessment.",
          C("SSW.01", "Permit to work", "skill", "prepare, issue, accept and close permits to work",
            "Uses the permit-to-work system so that hazardous work starts only when its hazards are controlled "
            "and ends with the plant returned safely.",
            E("SSW.01.1", "Permit preparation and issue", "skill",
              "Defines the scope, hazards and precautions of a job and issues the permit."),
            E("SSW.01.2", "Permit acceptance and work-site control", "skill",
              "Accepts a permit, briefs the work party and keeps the site within the permit's conditions."),
            E("SSW.01.3", "Suspension, hand-back and cancellation", "skill",
              "Suspends work safely, hands the job back and confirms the plant is fit to return to service."),
            indicators={
                1: "Explains why the permit system exists and what each signature on a permit means.",
                2: "Works under a permit, follows its precautions and hands it back correctly.",
                3: "Accepts permits as performing authority and controls the work site to the permit.",
                4: "Issues permits for high-risk work and resolves conflicts between permits in an area.",
                5: "Owns the permit-to-work procedure, audits its use and leads its improvement.",
            }),
          C("SSW.02", "Isolation of plant and equipment", "skill", "plan, apply, verify and remove isolations",
            "Separates equipment from every energy source (process, electrical, mechanical, stored) and proves "
            "the isolation before work begins.",
            E("SSW.02.1", "Process isolation", "skill",
              "Chooses and applies valve, blind and spool isolations matched to the hazard."),
            E("SSW.02.2", "Proving zero energy", "skill",
              "Shows that pressure, voltage and stored energy are absent before work is released."),
            indicators={
                1: "Recognises isolation points and locks, and never removes a lock that is not theirs.",
                2: "Applies and records simple isolations from an approved isolation plan.",
                3: "Plans and applies isolations for normal jobs and proves them before release.",
                4: "Designs isolations for complex or non-standard jobs and approves isolation plans.",
                5: "Sets the isolation standard for the company and investigates isolation failures.",
            }),
          C("SSW.03", "Confined space entry", "skill", "plan and control entry into confined spaces",
            "Controls entry into vessels, tanks, pits and other confined spaces, including standby and rescue "
            "arrangements."),
          C("SSW.04", "Gas testing and atmospheric monitoring", "skill",
            "test and monitor atmospheres for flammable, toxic and oxygen-deficient conditions",
            "Uses portable and fixed detectors correctly, interprets readings and sets retest intervals for the "
            "job.",
            E("SSW.04.1", "Detector checks and bump testing", "skill",
              "Checks that a detector works and is in calibration before trusting its reading."),
            E("SSW.04.2", "Interpreting and recording results", "skill",
              "Compares readings with limits, records them on the permit and acts on alarms."),
            indicators={
                1: "Knows which gases are tested for and what the alarm on a personal monitor means.",
                2: "Bump tests a detector and takes readings at the points a gas tester specifies.",
                3: "Carries out authorised gas tests, interprets the results and sets retest intervals.",
                4: "Trains and assesses gas testers and decides on testing for unusual atmospheres.",
                5: "Sets the gas testing standard and selects detection equipment for the company.",
            }),
          C("SSW.05", "Working at height", "skill", "plan and carry out work at height",
            "Selects access equipment and fall protection and works at height without exposing anyone to a "
            "fall."),
          C("SSW.06", "Task risk assessment", "skill", "identify the hazards of a task and assess its risks",
            "Breaks a job into steps, names what could go wrong and agrees controls with the people doing the "
            "work."),
          C("SSW.07", "Simultaneous operations", "knowledge", "how concurrent activities interact on a live plant",
            "Recognises when nearby jobs, operations or permits conflict and how such clashes are managed."),
          C("SSW.08", "Lifting operations", "knowledge", "the planning and control of lifting operations",
            "Understands lift categories, lift plans, exclusion zones and the duties of each person in a "
            "lift."),
          ),
        D("PSM", "Process safety", "knowledge",
          "Preventing loss of containment, fires and explosions through design, barriers and discipline.",
          C("PSM.01", "Process safety fundamentals", "knowledge", "the causes and consequences of major accidents",
            "Explains how a loss of containment escalates to fire, explosion or toxic release and which "
            "barriers prevent it."),
          C("PSM.02", "Management of change", "skill", "raise, assess and close changes through management of "
            "change",
            "Makes sure temporary and permanent changes to plant, procedures or organisation are assessed "
            "before they are made."),
          C("PSM.03", "Safety-critical elements and barriers", "knowledge",
            "the safety-critical equipment and barriers on their plant",
            "Knows which equipment prevents or limits a major accident and what it means when one is "
            "impaired."),
          C("PSM.04", "Alarm response", "skill", "respond to process alarms",
            "Recognises, prioritises and acts on alarms so that the process returns to its safe operating "
            "envelope."),
          C("PSM.05", "Ignition control in hazardous areas", "knowledge",
            "hazardous area classification and ignition source control",
            "Understands zoning and controls hot work, vehicles, electrical equipment and static in classified "
            "areas."),
          C("PSM.06", "Hazard study participation", "skill",
            "contribute to structured hazard studies such as HAZOP and LOPA",
            "Brings operating or maintenance knowledge to a hazard study and follows up its actions."),
          C("PSM.07", "Safe operating limits", "knowledge",
            "the safe operating limits of their process and the reasons behind them",
            "Knows each limit, what lies beyond it and the actions required before it is reached."),
          ),
        D("PLT", "Plant operation", "skill",
          "Running process and utility plant steadily and efficiently within its limits.",
          C("PLT.01", "Plant surveillance rounds", "skill", "carry out plant rounds and spot abnormal conditions",
            "Walks the plant with purpose, takes readings, and notices the leaks, noises, smells and vibration "
            "that signal trouble."),
          C("PLT.02", "Start-up and shutdown", "skill", "start up and shut down plant sections by procedure",
            "Brings equipment and units into and out of service in the right sequence, with the checks the "
            "procedure requires."),
          C("PLT.03", "Control room operation", "skill", "operate the process from the control system",
            "Uses the distributed control system to keep the process stable, optimise it and react to "
            "disturbances.",
            E("PLT.03.1", "Process upset handling", "skill",
              "Diagnoses an upset from trends and alarms and brings the process back under control."),
            E("PLT.03.2", "Coordinating field activity", "skill",
              "Directs and tracks the actions of field operators from the control room.")),
          C("PLT.04", "Process sampling", "skill", "take process samples safely and correctly",
            "Draws representative samples with the right containers and protective equipment, and labels them "
            "for the laboratory."),
          C("PLT.05", "Shift handover", "skill", "hand over and take over a shift",
            "Passes on plant status, live permits, defects and plans so that nothing is lost at the change of "
            "shift."),
          C("PLT.06", "Utilities operation", "skill",
            "operate utility systems such as steam, cooling water, instrument air and nitrogen",
            "Keeps the services the process depends on available and within specification."),
          C("PLT.07", "Product transfer and loading", "skill", "transfer, load and unload products",
            "Lines up, monitors and completes transfers between tanks, pipelines, ships and road tankers "
            "without spills or overfills."),
          C("PLT.08", "Operating procedures", "knowledge", "the operating procedures for their plant area",
            "Knows where procedures are, follows them as written and reports where they do not match the "
            "plant."),
          C("PLT.09", "Laboratory analysis", "skill", "analyse samples to approved test methods",
            "Runs laboratory tests, checks instrument calibration and reports results with their "
            "uncertainty."),
          ),
        D("EMR", "Emergency response", "skill",
          "Acting correctly when things go wrong, from the first alarm to recovery.",
          C("EMR.01", "Alarm raising and muster", "skill", "raise the alarm and muster",
            "Knows the site alarms, raises the alarm without delay and reaches the muster point by a safe "
            "route."),
          C("EMR.02", "First-response firefighting", "skill", "tackle small fires in their early stages",
            "Uses portable extinguishers, hose reels and fixed systems on small fires, and knows when to "
            "withdraw."),
          C("EMR.03", "First aid", "skill", "give first aid until professional help arrives",
            "Assesses a casualty, keeps them safe and gives appropriate first aid."),
          C("EMR.04", "Incident command", "skill", "take charge of an incident on site",
            "Takes command of the on-scene response, sets priorities and hands over cleanly to the emergency "
            "services."),
          C("EMR.05", "Spill containment", "skill", "contain and clean up spills",
            "Stops the source, protects drains and watercourses, and uses spill kits correctly."),
          C("EMR.06", "Escape sets and breathing apparatus", "skill", "use escape sets and breathing apparatus",
            "Dons, checks and uses escape sets and self-contained breathing apparatus."),
          ),
        D("HAZ", "Hazardous substances and agents", "knowledge",
          "Understanding the substances and agents on energy sites that can harm people.",
          C("HAZ.01", "Hydrogen sulphide", "knowledge", "the properties and dangers of hydrogen sulphide",
            "Knows where H2S can occur, how it affects people at different concentrations and how exposure is "
            "prevented."),
          C("HAZ.02", "Hazardous chemical handling", "skill", "handle, store and dispose of hazardous chemicals",
            "Reads safety data sheets, selects protective equipment and handles chemicals as the assessment "
            "requires."),
          C("HAZ.03", "Hydrogen properties and hazards", "knowledge", "the properties and hazards of hydrogen",
            "Explains hydrogen's wide flammable range, low ignition energy, near-invisible flame and "
            "embrittlement effects."),
          C("HAZ.04", "Noise and vibration exposure", "knowledge", "the control of noise and vibration exposure",
            "Knows the exposure limits, hearing protection zones and how to reduce exposure at source."),
          C("HAZ.05", "Naturally occurring radioactive material", "knowledge",
            "naturally occurring radioactive material and its controls",
            "Recognises where scale and sludge may be radioactive and the precautions for opening equipment."),
          ),
        D("ENV", "Environmental operations", "skill",
          "Running the plant within its environmental permit and keeping waste and emissions down.",
          C("ENV.01", "Emissions monitoring", "skill", "monitor and record emissions to air and water",
            "Operates monitoring equipment and records results so that permit limits are shown to be met."),
          C("ENV.02", "Waste segregation and handling", "skill", "segregate, label and store waste",
            "Keeps waste streams apart, labels them and stores them where they cannot escape."),
          C("ENV.03", "Environmental permit conditions", "knowledge",
            "the conditions of the site's environmental permit",
            "Knows what the permit allows and what must be reported when a limit is threatened."),
          C("ENV.04", "Flaring and venting minimisation", "skill", "keep flaring and venting to a minimum",
            "Runs the plant and plans activities so that gas is flared or vented only when safety needs it."),
          ),
    ))

MAINT = FrameworkSpec(
    "MAINT", "Maintenance",
    "Keeping mechanical, electrical, high-voltage and instrument equipment safe, available and reliable.",
    "Technical competence", TECHNICAL_LEVELS, (
        D("MEC", "Mechanical maintenance", "skill", "Maintaining and repairing rotating and static equipment.",
          C("MEC.01", "Pump maintenance", "skill", "overhaul and repair centrifugal and positive displacement pumps",
            "Dismantles, inspects, repairs and rebuilds pumps to the manufacturer's tolerances."),
          C("MEC.02", "Compressor maintenance", "skill", "maintain reciprocating and centrifugal compressors",
            "Carries out inspections and overhauls of compressors and their auxiliary systems."),
          C("MEC.03", "Valve maintenance", "skill", "repair, test and reinstate valves and actuators",
            "Overhauls manual and actuated valves and tests them for seat and gland leakage."),
          C("MEC.04", "Bolted joint integrity", "skill", "make up bolted flange joints to a controlled procedure",
            "Selects gaskets, cleans faces, tightens in sequence to a target load and records the joint.",
            E("MEC.04.1", "Controlled tightening", "skill",
              "Uses torque or tensioning tools to reach the specified bolt load."),
            E("MEC.04.2", "Joint inspection and tagging", "skill",
              "Inspects joint components and tags each joint for traceability.")),
          C("MEC.05", "Lubrication", "skill", "lubricate machinery to the lubrication schedule",
            "Applies the right lubricant in the right amount at the right interval, and keeps lubricants "
            "clean."),
          C("MEC.06", "Shaft alignment", "skill", "align the shafts of coupled machines",
            "Measures and corrects misalignment with dial or laser tools, allowing for thermal growth."),
          C("MEC.07", "Bearings and mechanical seals", "skill", "fit and replace bearings and mechanical seals",
            "Removes and fits bearings and seals without damage and works out why they failed."),
          C("MEC.08", "Welding and fabrication", "skill", "weld and fabricate to an approved procedure",
            "Produces welds and fabrications that meet the welding procedure and inspection requirements."),
          C("MEC.09", "Rigging and slinging", "skill", "rig and sling loads for lifting",
            "Selects and inspects lifting accessories and attaches loads so they lift balanced and secure."),
          ),
        D("ELE", "Electrical maintenance", "skill", "Maintaining low-voltage power, motors, drives and protection.",
          C("ELE.01", "Low-voltage maintenance", "skill", "maintain low-voltage distribution and control equipment",
            "Inspects and maintains switchboards, motor control centres and distribution boards."),
          C("ELE.02", "Motors and drives", "skill", "maintain electric motors and variable speed drives",
            "Tests, repairs and replaces motors and sets drives up for their duty."),
          C("ELE.03", "Electrical fault finding", "skill", "find and fix electrical faults",
            "Uses drawings and test instruments in a logical sequence to locate faults safely."),
          C("ELE.04", "Electrical testing and inspection", "skill", "carry out electrical tests and periodic "
            "inspections",
            "Performs insulation, continuity, earth loop and residual current tests and records results "
            "against limits."),
          C("ELE.05", "Hazardous area equipment inspection", "skill",
            "inspect and maintain electrical equipment in hazardous areas",
            "Checks that explosion-protected equipment keeps its protection concept after installation and "
            "repair."),
          C("ELE.06", "Batteries and uninterruptible power", "skill",
            "maintain battery systems and uninterruptible power supplies",
            "Tests and maintains battery banks, chargers and UPS units that keep critical systems powered."),
          C("ELE.07", "Protection relay testing", "skill", "test and set protection relays",
            "Injects test signals, checks settings and trip paths, and records the results."),
          ),
        D("HVS", "High-voltage systems", "skill", "Operating and maintaining the high-voltage network safely.",
          C("HVS.01", "HV switching operations", "skill", "carry out switching on high-voltage systems",
            "Writes and follows switching programmes, operates HV switchgear and applies circuit earths.",
            E("HVS.01.1", "Switching programmes", "skill",
              "Prepares and checks the sequence of operations for a switching task."),
            E("HVS.01.2", "Circuit earthing", "skill",
              "Applies and removes portable and integral earths in the right order."),
            indicators={
                1: "Knows the HV areas of the site and that only appointed persons may enter or operate.",
                2: "Assists an authorised person during switching and earthing under direct instruction.",
                3: "Carries out switching and earthing to an approved programme as an authorised person.",
                4: "Writes switching programmes for complex outages and issues safety documents as a senior "
                   "authorised person.",
                5: "Owns the HV safety rules and appoints, audits and develops authorised persons.",
            }),
          C("HVS.02", "HV safety rules and documents", "knowledge",
            "the company's high-voltage safety rules and safety documents",
            "Knows the duties of each appointed person and when each safety document is used."),
          C("HVS.03", "HV cable jointing and termination", "skill", "joint and terminate high-voltage cables",
            "Prepares, joints and terminates HV cables to the jointing instructions, and tests them."),
          C("HVS.04", "Transformer maintenance", "skill", "maintain power transformers",
            "Inspects transformers, samples oil and maintains tap changers, cooling and protection devices."),
          C("HVS.05", "Earthing systems", "knowledge", "the design and testing of earthing systems",
            "Understands how earthing protects people and plant and how earth resistance is measured."),
          ),
        D("INS", "Instrumentation and control maintenance", "skill",
          "Keeping measurement, control and safety systems accurate and available.",
          C("INS.01", "Instrument calibration", "skill", "calibrate process instruments",
            "Calibrates pressure, temperature, level and flow instruments against traceable standards."),
          C("INS.02", "Control valve maintenance", "skill", "overhaul and set up control valves and positioners",
            "Repairs control valves and calibrates positioners so the valve follows its signal."),
          C("INS.03", "Fire and gas system maintenance", "skill", "maintain fire and gas detection systems",
            "Tests detectors, logic and outputs of fire and gas systems without leaving the plant unprotected."),
          C("INS.04", "Safety function proof testing", "skill", "proof test safety instrumented functions",
            "Carries out proof tests end to end, records results and reports any dangerous failure found."),
          C("INS.05", "Process analysers", "skill", "maintain online process analysers",
            "Maintains gas chromatographs, oxygen and moisture analysers and their sample systems."),
          C("INS.06", "Loop checking and instrument fault finding", "skill", "check loops and find instrument faults",
            "Follows a signal from field device to control system to locate and correct faults."),
          C("INS.07", "Small-bore tubing and fittings", "skill",
            "install and inspect small-bore tubing and compression fittings",
            "Cuts, bends and makes up tubing and fittings that do not leak in service."),
          ),
        D("REL", "Reliability and condition monitoring", "skill",
          "Finding failures before they happen and stopping them from coming back.",
          C("REL.01", "Vibration analysis", "skill", "collect and analyse machine vibration data",
            "Measures vibration and reads spectra to identify imbalance, misalignment, looseness and bearing "
            "defects."),
          C("REL.02", "Infrared thermography", "skill", "carry out thermographic surveys",
            "Uses thermal imaging to find hot spots in electrical and mechanical equipment and rates their "
            "severity."),
          C("REL.03", "Lubricant analysis", "skill", "sample lubricants and interpret oil analysis",
            "Takes representative oil samples and reads wear-metal and contamination results."),
          C("REL.04", "Root cause analysis", "skill", "investigate failures to their root causes",
            "Leads a structured analysis of a failure and proposes actions that stop it recurring."),
          C("REL.05", "Maintenance strategy", "knowledge", "failure modes and reliability-centred maintenance",
            "Understands how failure modes and their consequences decide the right maintenance task and "
            "interval."),
          C("REL.06", "Ultrasonic monitoring", "skill", "use ultrasound to detect leaks and early bearing faults",
            "Uses airborne and contact ultrasound to find leaks, steam trap faults and lubrication problems."),
          ),
        D("MPL", "Maintenance management", "skill", "Planning, recording and controlling maintenance work.",
          C("MPL.01", "Work order management", "skill",
            "raise, progress and close work orders in the maintenance system",
            "Records defects, work done, parts and hours so the equipment history is complete."),
          C("MPL.02", "Planning and scheduling", "skill", "plan and schedule maintenance work",
            "Prepares job packs, estimates resources and builds a schedule the operation can support."),
          C("MPL.03", "Spares and materials", "skill", "identify and reserve spares and materials",
            "Finds the right parts, checks availability and lead times, and reserves them for planned work."),
          C("MPL.04", "Shutdown and turnaround planning", "skill", "plan shutdowns and turnarounds",
            "Builds the scope, schedule and resourcing of a major outage and controls it during execution."),
          C("MPL.05", "Equipment records and history", "knowledge",
            "equipment registers, history and maintenance data",
            "Knows how equipment is catalogued and how its history supports repair-or-replace decisions."),
          ),
    ))

ENG = FrameworkSpec(
    "ENG", "Engineering",
    "Engineering knowledge and practice for designing, changing and assuring the company's plant.",
    "Technical competence", TECHNICAL_LEVELS, (
        D("PRO", "Process engineering", "knowledge", "Designing and improving the process itself.",
          C("PRO.01", "Process design", "skill", "design process systems and size equipment",
            "Develops process flow and piping and instrument diagrams and sizes equipment for the duty."),
          C("PRO.02", "Process simulation", "skill", "build and use steady-state and dynamic process models",
            "Models the process to test design cases, debottlenecking options and operating changes."),
          C("PRO.03", "Troubleshooting and optimisation", "skill", "troubleshoot and optimise running plant",
            "Uses plant data to find the cause of poor performance and to improve yield, energy use and "
            "stability."),
          C("PRO.04", "Relief and flare systems", "knowledge", "pressure relief and flare system design",
            "Understands relief scenarios, device sizing and flare network capacity."),
          C("PRO.05", "Hazard study leadership", "skill", "lead HAZOP and other structured hazard studies",
            "Facilitates a hazard study, keeps the team on method and records credible scenarios and "
            "actions."),
          C("PRO.06", "Procedure writing", "skill", "write clear operating and maintenance procedures",
            "Produces step-by-step procedures that match the plant and that people can follow under "
            "pressure."),
          ),
        D("ELS", "Electrical engineering", "knowledge", "Designing and protecting the electrical system.",
          C("ELS.01", "Power system studies", "skill", "carry out load flow, short-circuit and arc-flash studies",
            "Models the electrical network to check ratings, voltage levels and incident energy."),
          C("ELS.02", "Protection design and coordination", "skill", "design protection schemes and grade settings",
            "Selects protection and sets it so faults clear quickly and only the faulty section trips."),
          C("ELS.03", "Electrical installation design", "skill", "design electrical installations",
            "Specifies cables, switchgear and distribution that meet standards and the plant's duty."),
          C("ELS.04", "Grid connection and compliance", "knowledge", "grid codes and connection agreements",
            "Understands what a generating or consuming site owes the network operator."),
          C("ELS.05", "Earthing and lightning protection design", "skill", "design earthing and lightning "
            "protection",
            "Designs earthing grids and lightning protection that keep touch and step voltages safe."),
          ),
        D("CSE", "Control systems engineering", "skill", "Engineering the systems that control and protect the "
          "process.",
          C("CSE.01", "Control system configuration", "skill", "configure and modify the distributed control system",
            "Builds and changes control strategies, graphics and alarms in the DCS under change control."),
          C("CSE.02", "PLC programming", "skill", "program and test programmable logic controllers",
            "Writes, tests and documents PLC logic for sequences and packaged equipment."),
          C("CSE.03", "Functional safety lifecycle", "knowledge", "the safety lifecycle for instrumented systems",
            "Understands how hazards lead to safety requirements, integrity levels, design, verification and "
            "proof testing."),
          C("CSE.04", "Industrial networks", "skill", "design and maintain industrial control networks",
            "Designs segregated, resilient networks for control systems and fieldbus devices."),
          C("CSE.05", "Alarm system design", "skill", "rationalise and design alarm systems",
            "Reviews each alarm for purpose, priority and response time so that operators are not flooded."),
          C("CSE.06", "Control loop tuning", "skill", "tune control loops",
            "Analyses loop performance and tunes controllers for stable, responsive control."),
          ),
        D("H2E", "Hydrogen and new energy", "knowledge", "Engineering for hydrogen, carbon capture and storage.",
          C("H2E.01", "Hydrogen safety engineering", "skill", "apply hydrogen safety principles in design and "
            "operation",
            "Designs out leaks and ignition sources and specifies detection, ventilation and materials suited "
            "to hydrogen."),
          C("H2E.02", "Electrolyser systems", "knowledge", "how electrolysers and their balance of plant work",
            "Understands alkaline and PEM electrolysers, water treatment, power supply and gas purification."),
          C("H2E.03", "Hydrogen compression and storage", "knowledge", "hydrogen compression, storage and dispensing",
            "Knows the options for compressing and storing hydrogen and the hazards that come with each."),
          C("H2E.04", "Carbon capture fundamentals", "knowledge", "carbon capture, transport and storage",
            "Explains capture processes, CO2 conditioning and the integrity issues of dense-phase CO2."),
          C("H2E.05", "Battery energy storage", "knowledge", "grid battery storage systems and their hazards",
            "Understands battery system architecture, thermal runaway and the protection that limits it."),
          ),
        D("AIM", "Asset integrity", "skill", "Keeping pressure equipment, pipework and structures fit for service.",
          C("AIM.01", "Risk-based inspection", "skill", "plan inspection with risk-based methods",
            "Sets inspection scope and intervals from the likelihood and consequence of each damage mechanism."),
          C("AIM.02", "Corrosion management", "skill", "assess and control corrosion",
            "Identifies damage mechanisms and specifies inhibition, coatings, cathodic protection and "
            "monitoring.",
            E("AIM.02.1", "Cathodic protection", "skill",
              "Specifies, surveys and adjusts cathodic protection on buried and submerged steel."),
            E("AIM.02.2", "Corrosion monitoring", "skill",
              "Places and reads coupons, probes and thickness points and trends the results.")),
          C("AIM.03", "Pressure systems integrity", "knowledge",
            "pressure systems regulation and written schemes of examination",
            "Knows what the written scheme covers, who examines and how an overdue examination is handled."),
          C("AIM.04", "Inspection and NDT interpretation", "skill",
            "specify non-destructive testing and interpret its results",
            "Chooses the right test method and judges findings against acceptance criteria."),
          C("AIM.05", "Fitness-for-service assessment", "skill",
            "assess whether damaged equipment is fit for continued service",
            "Works out the remaining strength and life of degraded equipment and sets operating limits."),
          C("AIM.06", "Structural integrity", "knowledge", "the integrity of structures, supports and foundations",
            "Understands loads, fatigue and corrosion on steel and concrete structures."),
          ),
        D("EPR", "Engineering practice", "skill", "How engineering work is done, checked and handed over.",
          C("EPR.01", "Engineering standards and codes", "knowledge",
            "the engineering standards and codes of their discipline",
            "Knows which standards apply, where they conflict and how to record a justified deviation."),
          C("EPR.02", "Drawings and technical documents", "skill", "produce and check engineering drawings and "
            "documents",
            "Creates and revises drawings and documents so that the as-built record stays true."),
          C("EPR.03", "Project engineering", "skill", "engineer a project from concept to handover",
            "Develops scope, coordinates disciplines and vendors, and delivers a project that works at "
            "handover."),
          C("EPR.04", "Cost estimating", "skill", "estimate project and lifecycle costs",
            "Builds estimates with a stated accuracy, contingency and assumptions."),
          C("EPR.05", "Technical assurance", "skill", "review and approve engineering work as a technical authority",
            "Checks that designs and changes meet standards before approval and records the basis of the "
            "decision."),
          C("EPR.06", "Commissioning", "skill", "commission new or modified plant",
            "Plans and carries out pre-commissioning and commissioning checks, and hands over plant ready to "
            "operate."),
          ),
    ))

LEAD = FrameworkSpec(
    "LEAD", "Leadership and behaviours",
    "How people at every level lead, communicate, decide and work together.",
    "Behaviour", BEHAVIOUR_LEVELS, (
        D("SLD", "Safety leadership", "behaviour", "Making safety visible in what people say and do.",
          C("SLD.01", "Visible safety leadership", "behaviour", "show by word and example that safety comes first",
            "Spends time where the work is done, talks about hazards and acts on what people raise."),
          C("SLD.02", "Speaking up and stopping work", "behaviour", "speak up and stop work that looks unsafe",
            "Challenges unsafe acts and conditions whatever the rank of those involved, and uses the authority "
            "to stop work."),
          C("SLD.03", "Learning from incidents", "behaviour", "share and act on lessons from incidents and near misses",
            "Reports openly, takes part in investigations without blame and changes practice as a result."),
          ),
        D("PPL", "Leading people", "skill", "Getting the best from a team and each person in it.",
          C("PPL.01", "Goals and performance reviews", "skill", "agree goals with people and review their "
            "performance fairly",
            "Sets clear expectations, gives regular feedback and holds honest performance conversations."),
          C("PPL.02", "Coaching and developing others", "skill", "coach people and help them grow",
            "Spots development needs, creates learning opportunities and supports people through them."),
          C("PPL.03", "Attendance and wellbeing", "skill", "manage attendance and support wellbeing",
            "Follows absence processes with care, recognises signs of fatigue or stress and gets people "
            "help."),
          C("PPL.04", "Recruitment and selection", "skill", "select people fairly for roles",
            "Defines what a role needs, interviews against it and makes fair, recorded decisions."),
          C("PPL.05", "Conduct and grievances", "skill", "handle conduct issues and grievances",
            "Deals promptly and fairly with misconduct and complaints, following policy and keeping records."),
          C("PPL.06", "Rostering and workload", "skill", "plan rosters and balance workload",
            "Builds rosters that cover the work, respect working-time limits and manage fatigue."),
          C("PPL.07", "Leading a team", "behaviour", "lead a team towards a shared goal",
            "Gives direction, keeps the team together and takes responsibility for its results.",
            esco=ESCO + "75d8e5d9-bef3-418b-9011-01bff9f27207"),
          ),
        D("COM", "Communication", "behaviour", "Making sure the right people understand the right things.",
          C("COM.01", "Clear writing", "skill", "write clearly for the reader",
            "Writes reports, emails and logs that are accurate, brief and easy to act on."),
          C("COM.02", "Briefing and presenting", "skill", "brief groups and present information",
            "Prepares and gives toolbox talks, briefings and presentations that people understand and "
            "remember."),
          C("COM.03", "Listening and feedback", "behaviour", "listen carefully and give useful feedback",
            "Checks understanding, invites other views and gives feedback that is specific and respectful."),
          C("COM.04", "Influencing stakeholders", "behaviour", "build support for ideas among people they do not "
            "manage",
            "Understands what others need and uses evidence and relationships to reach agreement."),
          C("COM.05", "Resolving conflict", "behaviour", "resolve disagreements constructively",
            "Addresses disagreements early, looks for the interests behind positions and finds workable "
            "solutions.", esco=ESCO + "96de2e86-e287-41f2-88ab-15a2343afc6f"),
          ),
        D("DEC", "Judgement and decisions", "behaviour", "Making sound calls, especially when it matters most.",
          C("DEC.01", "Decisions under pressure", "behaviour", "make sound decisions under time pressure",
            "Stays calm, gathers what information can be had and commits to a safe course of action.",
            esco=ESCO + "d62d2b4c-a6f8-439e-8a1b-4f29ab5f2c47"),
          C("DEC.02", "Problem solving", "skill", "analyse problems and find workable solutions",
            "Separates symptoms from causes, weighs options and follows through.",
            esco=ESCO + "adc6dc11-3376-467b-96c5-9b0a21edc869"),
          C("DEC.03", "Risk-based judgement", "behaviour", "weigh risk and benefit before acting",
            "Considers what could go wrong, how likely and how bad, and chooses proportionate controls."),
          C("DEC.04", "Planning and prioritising", "skill", "plan work and set priorities",
            "Organises their own and others' work so the important things get done on time."),
          C("DEC.05", "Resilience", "behaviour", "stay effective through pressure and setbacks",
            "Keeps performing, and supports others, when workload, change or events are demanding.",
            esco=ESCO + "7a147904-22b3-498a-b4d9-7bceeb86b45d"),
          ),
        D("TWK", "Working together", "behaviour", "How people treat each other and their commitments.",
          C("TWK.01", "Teamwork", "behaviour", "work as part of a team",
            "Shares information, helps colleagues and puts the team's goal ahead of their own convenience.",
            esco=ESCO + "60c78287-22eb-4103-9c8c-28deaa460da0"),
          C("TWK.02", "Inclusion and respect", "behaviour", "treat everyone with respect and include them",
            "Values different backgrounds and views and challenges behaviour that excludes or demeans."),
          C("TWK.03", "Integrity and accountability", "behaviour", "own their actions and do what they say",
            "Is honest about mistakes, keeps commitments and follows the rules when no one is watching."),
          ),
        D("DIR", "Direction and change", "behaviour", "Setting a course and bringing people along.",
          C("DIR.01", "Strategic thinking", "skill", "think ahead and connect daily work to long-term goals",
            "Reads trends in the energy market and regulation and turns them into priorities."),
          C("DIR.02", "Leading change", "behaviour", "lead people through change",
            "Explains why change is needed, involves people in shaping it and sustains it after launch."),
          C("DIR.03", "Commercial awareness", "knowledge", "how the business makes money and what drives its "
            "costs",
            "Understands margins, contracts, energy prices and the cost of downtime."),
          C("DIR.04", "Continuous improvement", "behaviour", "look for better ways of working",
            "Questions waste, tries improvements in small steps and spreads what works."),
          ),
    ))

CORP = FrameworkSpec(
    "CORP", "Corporate functions",
    "Professional competencies for finance, people, technology, data, procurement and business support.",
    "Technical competence", TECHNICAL_LEVELS, (
        D("FIN", "Finance", "skill", "Recording, reporting and managing the company's money.",
          C("FIN.01", "Accounts payable", "skill", "process supplier invoices and payments",
            "Matches invoices to orders and receipts, resolves queries and pays suppliers on time."),
          C("FIN.02", "Accounts receivable and credit control", "skill", "invoice customers and collect debts",
            "Issues accurate invoices, chases overdue accounts and applies credit limits."),
          C("FIN.03", "Payroll processing", "skill", "calculate and pay salaries and wages",
            "Runs payroll with the right pay, allowances, shift premiums, deductions and statutory returns.",
            E("FIN.03.1", "Shift and overtime pay", "skill",
              "Applies shift, overtime and call-out rules to timesheets."),
            E("FIN.03.2", "Statutory deductions and returns", "knowledge",
              "Knows how tax, social security and pension deductions are worked out and reported.")),
          C("FIN.04", "Management accounting", "skill", "prepare management accounts and explain variances",
            "Produces monthly cost and margin reports and explains the movements to budget holders."),
          C("FIN.05", "Budgeting and forecasting", "skill", "build budgets and forecasts",
            "Works with managers to build budgets and rolling forecasts with clear assumptions."),
          C("FIN.06", "Financial accounting and close", "skill", "close the books and prepare financial statements",
            "Posts journals, reconciles balances and prepares statements that meet accounting standards."),
          C("FIN.07", "Treasury and cash management", "skill", "manage cash, funding and financial risk",
            "Forecasts cash, manages bank relationships and hedges currency and commodity exposure."),
          C("FIN.08", "Tax compliance", "knowledge", "corporate, indirect and energy taxes",
            "Knows the taxes the company pays and the records and returns each one needs."),
          C("FIN.09", "Internal controls", "knowledge", "internal financial controls and segregation of duties",
            "Understands why controls exist, how they are tested and what a control failure means."),
          ),
        D("HRM", "Human resources", "skill", "Hiring, developing, rewarding and supporting people.",
          C("HRM.01", "Employment law and policy", "knowledge", "employment law and the company's people policies",
            "Knows the legal duties of an employer and how company policy applies them."),
          C("HRM.02", "Employee relations casework", "skill", "advise on and manage employee relations cases",
            "Supports managers through disciplinary, grievance, capability and absence cases."),
          C("HRM.03", "Recruitment", "skill", "run recruitment campaigns",
            "Advertises roles, screens candidates, arranges assessment and makes offers."),
          C("HRM.04", "Learning design and delivery", "skill", "design and deliver learning",
            "Turns competency gaps into learning activities and checks whether they worked."),
          C("HRM.05", "Reward and benefits", "skill", "design and administer pay and benefits",
            "Benchmarks pay, runs pay reviews and manages benefit schemes."),
          C("HRM.06", "Workforce planning", "skill", "forecast workforce needs and plan to meet them",
            "Compares future demand for skills with supply and plans hiring, development and succession."),
          C("HRM.07", "HR systems and records", "skill", "keep HR records accurate in the HR system",
            "Maintains employee records, organisation structures and reports in the HR system."),
          C("HRM.08", "Competence assurance", "skill", "run a competence assurance scheme",
            "Keeps role profiles, assessments and records current so the company can show its people are "
            "competent.",
            E("HRM.08.1", "Workplace assessment", "skill",
              "Observes and questions candidates at work and judges performance against the standard."),
            E("HRM.08.2", "Internal verification", "skill",
              "Samples assessment decisions to check that they are consistent and fair.")),
          ),
        D("ICT", "Information technology", "skill", "Running and protecting the company's IT and OT systems.",
          C("ICT.01", "Service desk support", "skill", "resolve user requests and incidents at first contact",
            "Logs, diagnoses and resolves requests, or routes them to the right team with the right detail."),
          C("ICT.02", "End-user computing", "skill", "build, deploy and support laptops, desktops and mobile devices",
            "Keeps user devices patched, secure and working."),
          C("ICT.03", "Server and cloud administration", "skill", "administer servers and cloud services",
            "Builds, patches, monitors and backs up server and cloud platforms."),
          C("ICT.04", "Network engineering", "skill", "design and run data networks",
            "Configures routing, switching, wireless and firewalls for a secure, available network."),
          C("ICT.05", "Information security", "skill", "protect information systems from attack",
            "Monitors for threats, manages vulnerabilities and responds to security incidents."),
          C("ICT.06", "Operational technology security", "skill", "secure industrial control systems",
            "Applies zoning, access control and monitoring to control systems without disturbing operations."),
          C("ICT.07", "Software development", "skill", "develop and test software",
            "Writes maintainable, tested code and delivers it through version control and automated "
            "pipelines."),
          C("ICT.08", "IT service management", "skill", "manage IT incidents, problems and changes",
            "Runs service processes so that changes are controlled and outages are restored quickly."),
          ),
        D("DAT", "Data and analytics", "skill", "Turning plant and business data into decisions.",
          C("DAT.01", "Data analysis and visualisation", "skill", "analyse data and present the findings visually",
            "Cleans and explores data and builds charts and dashboards that answer business questions."),
          C("DAT.02", "Data engineering", "skill", "build and run data pipelines",
            "Moves and transforms data reliably between plant historians, business systems and the analytics "
            "platform."),
          C("DAT.03", "Data governance and quality", "knowledge", "data ownership, quality rules and data "
            "protection",
            "Knows who owns which data, how quality is measured and what privacy law requires."),
          C("DAT.04", "Statistical modelling", "skill", "build statistical and machine-learning models",
            "Builds, validates and explains models that predict equipment failure, demand or prices."),
          ),
        D("PRC", "Procurement and supply", "skill", "Buying well and getting materials where they are needed.",
          C("PRC.01", "Purchasing", "skill", "raise and place purchase orders",
            "Turns requisitions into compliant orders with the right supplier, price and delivery."),
          C("PRC.02", "Tendering and bid evaluation", "skill", "run tenders and evaluate bids",
            "Prepares tender documents, runs a fair process and evaluates bids on cost, quality and risk."),
          C("PRC.03", "Contract management", "skill", "manage contracts through their life",
            "Monitors obligations, variations, claims and renewals so the contract delivers what was agreed."),
          C("PRC.04", "Supplier performance and quality", "skill", "measure and improve supplier performance",
            "Tracks delivery, quality and safety performance and agrees improvement plans with suppliers."),
          C("PRC.05", "Category strategy", "skill", "develop sourcing strategies for spend categories",
            "Analyses spend and supply markets and sets a sourcing approach for each category."),
          C("PRC.06", "Stores and inventory control", "skill", "receive, store and issue materials",
            "Keeps stock accurate, stored correctly and available when maintenance needs it."),
          C("PRC.07", "Logistics", "skill", "arrange the transport and shipping of goods",
            "Plans deliveries, handles dangerous goods paperwork and tracks shipments."),
          C("PRC.08", "Negotiation", "skill", "negotiate terms with suppliers",
            "Prepares a negotiation plan, knows the walk-away point and reaches agreements that last.",
            esco=ESCO + "7954861c-86d4-4529-afbb-2c23dab9ac74"),
          ),
        D("GEN", "Business support", "skill", "The everyday skills that keep an office running.",
          C("GEN.01", "Office software", "skill", "use office software for documents, spreadsheets and "
            "presentations",
            "Produces accurate, well-structured documents and spreadsheets efficiently."),
          C("GEN.02", "Project management", "skill", "plan and manage projects",
            "Defines scope, schedule, budget and risks and keeps the project on track to delivery."),
          C("GEN.03", "Records and data protection", "knowledge", "records retention and data protection rules",
            "Knows how long records are kept, who may see them and how personal data is protected.",
            esco=ESCO + "33a82b83-c838-4889-ae62-fae1317481eb"),
          C("GEN.04", "Internal customer service", "behaviour", "give colleagues a helpful, reliable service",
            "Understands what internal customers need, keeps them informed and follows requests through."),
          C("GEN.05", "Administration and coordination", "skill", "coordinate diaries, meetings, travel and "
            "office logistics",
            "Keeps arrangements running smoothly and information filed where people can find it."),
          ),
    ))

DEMO_FRAMEWORKS: tuple[FrameworkSpec, ...] = (ENERGY_OPS, MAINT, ENG, LEAD, CORP)

# (source, kind, target): "source has target as a prerequisite" / "source is related to target".
# A relation to another framework needs that framework published first, so these must not form a cycle
# between frameworks (see publish_order).
DEMO_RELATIONS: tuple[tuple[str, str, str], ...] = (
    ("OPS:SSW.01", "prerequisite", "OPS:SSW.06"),
    ("OPS:SSW.01", "related", "OPS:SSW.02"),
    ("OPS:SSW.03", "prerequisite", "OPS:SSW.04"),
    ("OPS:SSW.03", "related", "OPS:EMR.06"),
    ("OPS:PLT.03", "related", "OPS:PSM.04"),
    ("OPS:EMR.04", "related", "LEAD:DEC.01"),
    ("MAINT:HVS.01", "prerequisite", "MAINT:HVS.02"),
    ("MAINT:ELE.05", "related", "OPS:PSM.05"),
    ("MAINT:MEC.06", "related", "MAINT:REL.01"),
    ("MAINT:INS.04", "related", "ENG:CSE.03"),
    ("MAINT:REL.04", "related", "LEAD:DEC.02"),
    ("ENG:H2E.01", "prerequisite", "OPS:HAZ.03"),
    ("ENG:PRO.05", "related", "OPS:PSM.06"),
    ("ENG:CSE.05", "related", "OPS:PSM.04"),
    ("CORP:HRM.04", "related", "LEAD:PPL.02"),
    ("CORP:ICT.06", "related", "ENG:CSE.04"),
)


def indicators_for(spec: CompetencySpec) -> dict[int, str]:
    if spec.indicators is not None:
        return dict(spec.indicators)
    return {level: text.format(p=spec.phrase) for level, text in INDICATOR_TEMPLATES[spec.kind].items()}


def node_count(spec: FrameworkSpec) -> int:
    """How many competency rows (domains, competencies and elements) v1 of a framework holds."""
    return sum(1 + len(d.competencies) + sum(len(c.elements) for c in d.competencies) for d in spec.domains)


def _build_framework(spec: FrameworkSpec) -> tuple[FrameworkVersion, dict[str, Competency]]:
    version = services.create_framework(code=spec.code, name=spec.name, description=spec.description,
                                        actor=SYSTEM, levels=spec.levels, scale_name=spec.scale_name,
                                        publisher="Kestrel Energy (demo)")
    by_code: dict[str, Competency] = {}
    for domain_order, domain in enumerate(spec.domains, start=1):
        domain_row = services.create_competency(version, SYSTEM, code=domain.code, name=domain.name,
                                                kind=domain.kind, description=domain.description,
                                                item_type="Domain", sort_order=domain_order)
        by_code[domain.code] = domain_row
        for order, competency in enumerate(domain.competencies, start=1):
            row = services.create_competency(
                version, SYSTEM, code=competency.code, name=competency.name, kind=competency.kind,
                description=competency.description, parent=domain_row, item_type="Competency",
                sort_order=order, esco_uri=competency.esco_uri, indicators=indicators_for(competency))
            by_code[competency.code] = row
            for element_order, element in enumerate(competency.elements, start=1):
                by_code[element.code] = services.create_competency(
                    version, SYSTEM, code=element.code, name=element.name, kind=element.kind,
                    description=element.description, parent=row, item_type="Element",
                    sort_order=element_order)
    return version, by_code


def _make_draft_v2(framework: Framework) -> FrameworkVersion:
    """A draft v2 of ENERGY-OPS with an addition, a change and a removal for "compare versions"."""
    draft = services.new_version(framework, SYSTEM)
    draft.label = "2027 draft"
    draft.notes = ("Draft: adds lone and remote working; gas testing updated for continuous personal "
                   "monitors; the control-room coordination element folded into its parent.")
    draft.save(update_fields=["label", "notes"])
    rows = {c.code: c for c in draft.competencies.all()}
    lone = CompetencySpec("SSW.09", "Lone and remote working", "skill",
                          "plan and carry out lone or remote work safely",
                          "Plans work where help is not at hand, keeps in contact as agreed and knows how an "
                          "alarm will be answered.")
    services.create_competency(draft, SYSTEM, code=lone.code, name=lone.name, kind=lone.kind,
                               description=lone.description, parent=rows["SSW"], item_type="Competency",
                               sort_order=9, indicators=indicators_for(lone))
    gas = rows["SSW.04"]
    gas_indicators = indicators_for(next(c for d in ENERGY_OPS.domains for c in d.competencies
                                         if c.code == "SSW.04"))
    gas_indicators[3] = ("Carries out authorised gas tests, sets retest intervals and decides when continuous "
                         "personal monitoring replaces periodic tests.")
    services.update_competency(
        gas, SYSTEM, name="Gas testing and continuous monitoring",
        description="Uses portable, personal and fixed detectors correctly, interprets readings and sets "
                    "retest or continuous monitoring arrangements for the job.",
        indicators=gas_indicators)
    services.delete_competency(rows["PLT.03.2"], SYSTEM)
    return draft


def resolve_refs(refs: list[str]) -> dict[str, Competency]:
    """"OPS:SSW.01" -> the competency row in the latest published version of that framework."""
    wanted: dict[str, set[str]] = {}
    for ref in refs:
        alias, code = ref.split(":", 1)
        wanted.setdefault(FRAMEWORK_ALIASES[alias], set()).add(code)
    found: dict[str, Competency] = {}
    alias_of = {code: alias for alias, code in FRAMEWORK_ALIASES.items()}
    for framework_code, codes in sorted(wanted.items()):
        framework = Framework.objects.filter(code=framework_code).first()
        version = framework.latest_published() if framework else None
        if version is None:
            raise LookupError(f"The demo dictionary {framework_code} is not published; build it first.")
        for row in Competency.objects.filter(version=version, code__in=sorted(codes)):
            found[f"{alias_of[framework_code]}:{row.code}"] = row
    missing = sorted(set(refs) - set(found))
    if missing:
        raise LookupError(f"The demo dictionaries lack {', '.join(missing)}.")
    return found


def publish_order() -> list[str]:
    """Framework codes ordered so that every framework comes after those its relations point into."""
    needs: dict[str, set[str]] = {spec.code: set() for spec in DEMO_FRAMEWORKS}
    for source, _kind, target in DEMO_RELATIONS:
        source_code, target_code = (FRAMEWORK_ALIASES[ref.split(":")[0]] for ref in (source, target))
        if source_code != target_code:
            needs[source_code].add(target_code)
    order: list[str] = []
    while len(order) < len(needs):
        ready = [code for code in needs if code not in order and needs[code] <= set(order)]
        if not ready:
            raise ValueError("DEMO_RELATIONS link the frameworks in a cycle; no publishing order exists.")
        order.append(ready[0])
    return order


def build_dictionaries(progress: Callable[[str], None] | None = None) -> list[str]:
    """Create and publish the demo frameworks (skipped when ENERGY-OPS is already there)."""
    if Framework.objects.filter(code=ENERGY_OPS.code).exists():
        return ["dictionaries already present; left as they are"]
    versions: dict[str, FrameworkVersion] = {}
    rows: dict[str, Competency] = {}
    alias_of = {code: alias for alias, code in FRAMEWORK_ALIASES.items()}
    for spec in DEMO_FRAMEWORKS:
        if progress:
            progress(f"  framework {spec.code}")
        version, by_code = _build_framework(spec)
        versions[spec.code] = version
        rows.update({f"{alias_of[spec.code]}:{code}": row for code, row in by_code.items()})
    # A published version cannot change, so each framework gets its relations just before it is published;
    # a relation into another framework needs that one published already.
    for code in publish_order():
        for source, kind, target in DEMO_RELATIONS:
            if FRAMEWORK_ALIASES[source.split(":")[0]] == code:
                target_row = Competency.objects.select_related("version").get(pk=rows[target].pk)
                services.add_relation(rows[source], SYSTEM, kind=kind, target=target_row)
        services.publish(versions[code], SYSTEM)
    _make_draft_v2(versions[ENERGY_OPS.code].framework)
    lines = []
    for spec in DEMO_FRAMEWORKS:
        lines.append(f"framework {spec.code} v1 published: {node_count(spec)} competencies "
                     f"({len(spec.domains)} domains)")
    lines.append(f"framework {ENERGY_OPS.code} v2 draft: 1 added, 1 changed, 1 removed (try compare versions)")
    return lines
