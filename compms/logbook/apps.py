from django.apps import AppConfig


class LogbookConfig(AppConfig):
    name = "compms.logbook"
    label = "logbook"
