from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "compms.training"
    label = "training"
