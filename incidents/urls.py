from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.index, name="index"),
    path("etablissement/<int:establishment_pk>/declarer/", views.declare, name="declare"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/etapes/<int:step_pk>/faite/", views.step_done, name="step_done"),
    path("<int:pk>/etapes/<int:step_pk>/decocher/", views.step_undo, name="step_undo"),
    path("<int:pk>/force-intervention-rapide/", views.rapid_response, name="rapid_response"),
    path("<int:pk>/prise-en-charge/", views.take, name="take"),
    path("<int:pk>/interventions/", views.intervention, name="intervention"),
    path("<int:pk>/cloture/", views.close, name="close"),
    path("<int:pk>/reouverture/", views.reopen, name="reopen"),
]
