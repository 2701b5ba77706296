from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("", views.call_list, name="list"),
    path("appel/<slug:slug>/", views.call_detail, name="detail"),
    path("appel/<slug:slug>/candidater/", views.start, name="start"),
    path("dossier/<int:pk>/", views.application_detail, name="application"),
    path("dossier/<int:pk>/reponse/", views.save_answer, name="save_answer"),
    path("dossier/<int:pk>/enregistrer/", views.save_form, name="save_form"),
    path("dossier/<int:pk>/piece/<int:document_pk>/", views.upload, name="upload"),
    path("dossier/<int:application_pk>/piece-jointe/<int:attachment_pk>/", views.download, name="download"),
    path("dossier/<int:application_pk>/piece-jointe/<int:attachment_pk>/retirer/", views.remove, name="remove"),
    path("dossier/<int:pk>/action/<str:action>/", views.act, name="act"),
    path("modele/<int:document_pk>/", views.template_download, name="template"),
]
