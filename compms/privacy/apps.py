from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "compms.privacy"
    label = "privacy"
    verbose_name = "Personal data"
