from django.urls import path

from . import views

app_name = "calls_review"

urlpatterns = [
    path("", views.index, name="index"),
    path("appel/<int:call_pk>/", views.application_list, name="list"),
    path("appel/<int:call_pk>/classement/", views.ranked, name="ranking"),
    path("appel/<int:call_pk>/export.<str:fmt>", views.export, name="export"),
    path("appel/<int:call_pk>/pieces.zip", views.documents_zip, name="zip"),
    path("appel/<int:call_pk>/lot/", views.bulk, name="bulk"),
    path("appel/<int:call_pk>/filtres/", views.save_filter, name="save_filter"),
    path("appel/<int:call_pk>/filtres/supprimer/", views.delete_filter, name="delete_filter"),
    path("appel/<int:call_pk>/notifications/", views.preference, name="preference"),
    path("appel/<int:call_pk>/etiquettes/", views.create_label, name="create_label"),
    path("dossier/<int:pk>/", views.application_detail, name="application"),
    path("dossier/<int:pk>/action/<str:action>/", views.act, name="act"),
    path("dossier/<int:pk>/messages/", views.thread, name="thread"),
]
