from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "compms.evidence"
    label = "evidence"
