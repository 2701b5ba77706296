from django.urls import path

from . import views

app_name = "exercises"

urlpatterns = [
    path("", views.index, name="index"),
    path("nouveau/", views.create, name="create"),
    path("registre/", views.register, name="register"),
    path("registre/export.xlsx", views.register_export, name="register_export"),
    path("retex/<str:token>/", views.retex_public, name="retex_public"),
    path("etablissement/<int:establishment_pk>/preuves-has/", views.evidence, name="evidence"),
    path("<int:exercise_pk>/", views.detail, name="detail"),
    path("<int:exercise_pk>/modifier/", views.edit, name="edit"),
    path("<int:exercise_pk>/etat/", views.transition, name="transition"),
    path("<int:exercise_pk>/participants/", views.participant_add, name="participant_add"),
    path(
        "<int:exercise_pk>/participants/<int:participant_pk>/retirer/",
        views.participant_delete,
        name="participant_delete",
    ),
    path("<int:exercise_pk>/invitations/", views.invitations, name="invitations"),
    path("<int:exercise_pk>/logistique/", views.logistics_add, name="logistics_add"),
    path("<int:exercise_pk>/logistique/<int:item_pk>/", views.logistics_toggle, name="logistics_toggle"),
    path("<int:exercise_pk>/chronogramme/ajouter/", views.stimulus_edit, name="stimulus_add"),
    path("<int:exercise_pk>/chronogramme/<int:stimulus_pk>/", views.stimulus_edit, name="stimulus_edit"),
    path("<int:exercise_pk>/chronogramme/<int:stimulus_pk>/supprimer/", views.stimulus_delete, name="stimulus_delete"),
    path("<int:exercise_pk>/chronogramme/<int:stimulus_pk>/deplacer/", views.stimulus_move, name="stimulus_move"),
    path("<int:exercise_pk>/chronogramme/import/", views.chronogram_import, name="chronogram_import"),
    path("<int:exercise_pk>/chronogramme/export.xlsx", views.chronogram_export, name="chronogram_export"),
    path("<int:exercise_pk>/chronogramme/imprimer/", views.chronogram_print, name="chronogram_print"),
    path("<int:exercise_pk>/export/main-courante.<str:fmt>", views.export, {"what": "journal"}, name="export_journal"),
    path(
        "<int:exercise_pk>/export/chronogramme-joue.<str:fmt>", views.export, {"what": "played"}, name="export_played"
    ),
    path("<int:exercise_pk>/console/", views.console, name="console"),
    path("<int:exercise_pk>/console/direct/", views.console_live, name="console_live"),
    path("<int:exercise_pk>/console/<int:stimulus_pk>/jouer/", views.stimulus_play, name="stimulus_play"),
    path("<int:exercise_pk>/console/<int:stimulus_pk>/passer/", views.stimulus_skip, name="stimulus_skip"),
    path("<int:exercise_pk>/console/<int:stimulus_pk>/evaluer/", views.stimulus_score, name="stimulus_score"),
    path("<int:exercise_pk>/main-courante/", views.journal_add, name="journal_add"),
    path("<int:exercise_pk>/observations/", views.observation_add, name="observation_add"),
    path("<int:exercise_pk>/debriefing/", views.debrief, name="debrief"),
    path("<int:exercise_pk>/debriefing/retex-anonyme/", views.retex_mode, name="retex_mode"),
    path("<int:exercise_pk>/debriefing/plan-d-action/", views.improvements, name="improvements"),
    path("<int:exercise_pk>/debriefing/rapport/", views.report_sections, name="report_sections"),
    path("<int:exercise_pk>/retex/", views.retex, name="retex"),
]
