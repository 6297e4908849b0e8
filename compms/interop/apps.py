from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "compms.interop"
    label = "interop"
