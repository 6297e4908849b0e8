from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "compms.frameworks"
    label = "frameworks"
