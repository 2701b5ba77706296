from django.urls import path

from . import views

app_name = "awareness"

urlpatterns = [
    path("", views.index, name="index"),
    path("etablissement/<int:establishment_pk>/", views.establishment, name="establishment"),
    path("etablissement/<int:establishment_pk>/inscription/", views.join, name="join"),
    path("etablissement/<int:establishment_pk>/apprenants/", views.learners, name="learners"),
    path("etablissement/<int:establishment_pk>/apprenants/importer/", views.import_learners, name="import_learners"),
    path(
        "etablissement/<int:establishment_pk>/apprenants/groupe-gophish.csv",
        views.export_gophish,
        name="export_gophish",
    ),
    path("etablissement/<int:establishment_pk>/resultats/importer/", views.import_results, name="import_results"),
    path("etablissement/<int:establishment_pk>/modules/importer/", views.import_modules, name="import_modules"),
    path("etablissement/<int:establishment_pk>/remediation/", views.retraining, name="retraining"),
    path("etablissement/<int:establishment_pk>/information/", views.information, name="information"),
    path("etablissement/<int:establishment_pk>/campagne-a-la-demande/", views.new_request, name="new_request"),
    path("programmes/<int:pk>/", views.programme, name="programme"),
    path("referentiel-regional/", views.benchmark, name="benchmark"),
    path("campagnes/<int:campaign_pk>/rapports/", views.batch, name="batch"),
    path("generations/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("generations/<int:pk>/relancer/", views.batch_retry, name="batch_retry"),
    path("demandes/", views.staff_requests, name="staff_requests"),
    path("demandes/<int:pk>/decision/", views.decide_request, name="decide_request"),
    path("demandes/<int:pk>/planification/", views.schedule_request, name="schedule_request"),
]
