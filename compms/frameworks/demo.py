"""Demo competency dictionaries (placeholder; replaced by the full energy-sector dictionary)."""

from __future__ import annotations

from compms.frameworks import services
from compms.frameworks.models import Framework


def build_dictionaries() -> list[str]:
    if Framework.objects.filter(code="ENERGY-OPS").exists():
        return ["dictionary ENERGY-OPS already present"]
    version = services.create_framework(code="ENERGY-OPS", name="Energy operations", actor=None)
    domain = services.create_competency(version, None, code="SAF", name="Operations safety", kind="knowledge")
    services.create_competency(version, None, code="SAF.01", name="Permit to work", parent=domain,
                               indicators={1: "Knows when a permit is needed", 3: "Issues permits"})
    services.publish(version, None)
    return ["framework ENERGY-OPS v1 published, 2 competencies"]
