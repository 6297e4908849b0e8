from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "compms.campaigns"
    label = "campaigns"
