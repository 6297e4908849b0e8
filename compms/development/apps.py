from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "compms.development"
    label = "development"
