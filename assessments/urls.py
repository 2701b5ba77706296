from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.index, name="index"),
    path("commencer/", views.start, name="start"),
    path("region/", views.region, name="region"),
    path("<int:assessment_pk>/", views.detail, name="detail"),
    path("<int:assessment_pk>/questions/<int:question_pk>/", views.answer, name="answer"),
    path("<int:assessment_pk>/soumettre/", views.submit, name="submit"),
    path("<int:assessment_pk>/resultats/", views.results, name="results"),
    path("<int:assessment_pk>/plan-action/", views.add_to_plan, name="add_to_plan"),
]
