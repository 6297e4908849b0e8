from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "compms.strategy"
    label = "strategy"
