from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "compms.assessments"
    label = "assessments"
