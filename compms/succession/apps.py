from django.apps import AppConfig


class SuccessionConfig(AppConfig):
    name = "compms.succession"
    label = "succession"
