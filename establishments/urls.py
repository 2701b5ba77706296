from django.urls import path

from . import views

app_name = "establishments"

urlpatterns = [
    path("", views.my_establishments, name="mine"),
    path("rattacher/", views.claim, name="claim"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("<int:establishment_pk>/", views.establishment_home, name="home"),
    path("<int:establishment_pk>/membres/", views.members, name="members"),
    path("<int:establishment_pk>/membres/inviter/", views.invite, name="invite"),
    path("<int:establishment_pk>/membres/<int:membership_pk>/role/", views.change_role, name="change_role"),
    path("<int:establishment_pk>/membres/<int:membership_pk>/retirer/", views.deactivate, name="deactivate"),
    path(
        "<int:establishment_pk>/invitations/<int:invitation_pk>/annuler/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("<int:establishment_pk>/demandes/<int:request_pk>/accepter/", views.approve_request, name="approve_request"),
    path("<int:establishment_pk>/demandes/<int:request_pk>/refuser/", views.refuse_request, name="refuse_request"),
]
