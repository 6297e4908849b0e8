from django.apps import AppConfig


class AuthorisationsConfig(AppConfig):
    name = "compms.authorisations"
    label = "authorisations"
    verbose_name = "Authorisations to work"
