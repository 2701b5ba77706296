from django.apps import AppConfig


class SlowAppConfig(AppConfig):
    name = "tests.reports.slowapp"
    label = "reports_slowapp"
