"""The user model's app without its signal handlers (they import allauth, which the stock view leaves out)."""

from django.apps import AppConfig


class AccountsModelsOnly(AppConfig):
    name = "accounts"
    label = "accounts"

    def ready(self) -> None:  # no signal handlers: the stock view only reads the user
        return None
