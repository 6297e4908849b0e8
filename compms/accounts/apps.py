from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "compms.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"
