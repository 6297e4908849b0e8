from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "compms.organisation"
    label = "organisation"
