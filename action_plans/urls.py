from django.urls import path

from . import views

app_name = "action_plans"

urlpatterns = [
    path("", views.index, name="index"),
    path("etablissement/<int:establishment_pk>/", views.plan, name="plan"),
    path("etablissement/<int:establishment_pk>/nouvelle-action/", views.create, name="create"),
    path("etablissement/<int:establishment_pk>/export.xlsx", views.export, name="export"),
    path("etablissement/<int:establishment_pk>/import/", views.import_plan, name="import"),
    path("actions/<int:pk>/", views.detail, name="detail"),
    path("actions/<int:pk>/modifier/", views.edit, name="edit"),
    path("actions/<int:pk>/statut/<slug:transition_name>/", views.change_status, name="change_status"),
    path("actions/<int:pk>/commentaires/", views.comment, name="comment"),
]
