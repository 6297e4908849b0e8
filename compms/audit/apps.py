from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "compms.audit"
    label = "audit"
