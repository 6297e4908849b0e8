from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "compms.site"
    label = "compms_site"
    verbose_name = "Site: home page, health, serving and demo data"
