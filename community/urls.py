from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("", views.index, name="index"),
    path("niveau/<str:signed>/", views.level_link, name="level_link"),
    path("invitation/<int:member_pk>/", views.answer_invitation, name="answer_invitation"),
    path("espace/<int:space_pk>/", views.space, name="space"),
    path("espace/<int:space_pk>/rejoindre/", views.join, name="join"),
    path("espace/<int:space_pk>/documents/", views.documents, name="documents"),
    path("espace/<int:space_pk>/documents/dossier/<int:folder_pk>/", views.folder, name="folder"),
    path("espace/<int:space_pk>/documents/deposer/", views.upload, name="upload"),
    path("espace/<int:space_pk>/documents/nouveau-dossier/", views.folder_create, name="folder_create"),
    path("document/<int:document_pk>/", views.document, name="document"),
    path("document/<int:document_pk>/telecharger/<int:version_pk>/", views.download, name="download"),
    path("espace/<int:space_pk>/discussions/", views.threads, name="threads"),
    path("espace/<int:space_pk>/discussions/nouvelle/", views.thread_create, name="thread_create"),
    path("discussion/<int:thread_pk>/", views.thread, name="thread"),
    path("discussion/<int:thread_pk>/verrouillage/", views.thread_lock, name="thread_lock"),
    path("message/<int:post_pk>/aime/", views.like, name="like"),
    path("message/<int:post_pk>/moderation/", views.post_moderate, name="post_moderate"),
    path("espace/<int:space_pk>/agenda/", views.events, name="events"),
    path("espace/<int:space_pk>/agenda/nouveau/", views.event_create, name="event_create"),
    path("evenement/<int:event_pk>/", views.event, name="event"),
    path("evenement/<int:event_pk>/inscription/", views.event_register, name="event_register"),
    path("evenement/<int:event_pk>/annulation/", views.event_cancel, name="event_cancel"),
    path("espace/<int:space_pk>/sondages/", views.polls, name="polls"),
    path("espace/<int:space_pk>/sondages/nouveau/", views.poll_create, name="poll_create"),
    path("sondage/<int:poll_pk>/", views.poll, name="poll"),
    path("espace/<int:space_pk>/annuaire/", views.directory, name="directory"),
    path("espace/<int:space_pk>/mon-profil/", views.profile, name="profile"),
    path("espace/<int:space_pk>/membres/", views.members, name="members"),
    path("membre/<int:member_pk>/decision/", views.member_decide, name="member_decide"),
    path("membre/<int:member_pk>/retrait/", views.member_remove, name="member_remove"),
    path("espace/<int:space_pk>/moderation/", views.moderation, name="moderation"),
]
