from django.apps import AppConfig


class GapsConfig(AppConfig):
    name = "compms.gaps"
    label = "gaps"
