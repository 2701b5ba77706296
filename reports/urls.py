from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("etablissement/<int:establishment_pk>/", views.establishment_documents, name="establishment_documents"),
    path("etablissement/<int:establishment_pk>/demander/", views.request_document, name="request"),
    path("<int:report_pk>/", views.report_status, name="status"),
    path("<int:report_pk>/telecharger/", views.download, name="download"),
]
