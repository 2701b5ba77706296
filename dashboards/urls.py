from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.region, name="region"),
    path("etablissements/", views.establishments, name="establishments"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("rapport-pdf/", views.request_pdf, name="request_pdf"),
    path("bilan-annuel/", views.summary, name="summary"),
    path("bilan-annuel/pdf/", views.request_summary_pdf, name="request_summary_pdf"),
]
