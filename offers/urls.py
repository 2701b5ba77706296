from django.urls import path

from . import staff_views, views

app_name = "offers"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("offre/<int:pk>/", views.offer_detail, name="detail"),
    path("document/<int:pk>/", views.offer_document, name="document"),
    path("mes-offres/", views.subscriptions, name="subscriptions"),
    path("mes-offres/<int:pk>/retirer/", views.withdraw_subscription, name="withdraw"),
    path("campagne/<int:pk>/", views.campaign, name="campaign"),
    path("campagne/<int:pk>/repondre/", views.start_response, name="start_response"),
    path("reponse/<int:pk>/", views.response_detail, name="response"),
    path("reponse/<int:pk>/enregistrer/", views.save_response, name="save_response"),
    path("reponse/<int:pk>/transmettre/", views.submit_response, name="submit_response"),
    path("bons-de-commande/", views.orders, name="orders"),
    path("bons-de-commande/nouveau/<int:agreement_pk>/", views.new_order, name="new_order"),
    path("bon-de-commande/<int:pk>/", views.order_detail, name="order"),
    path("bon-de-commande/<int:pk>/action/<str:action>/", views.order_act, name="order_act"),
    path("bon-de-commande/<int:pk>/remarques/", views.order_notes, name="order_notes"),
    # CRRC staff
    path("equipe/campagne/<int:pk>/reponses/", staff_views.campaign_answers, name="staff_answers"),
    path("equipe/campagne/<int:pk>/relancer/", staff_views.remind, name="staff_remind"),
    path("equipe/campagne/<int:pk>/export.<str:fmt>", staff_views.export_answers, name="staff_export"),
    path("equipe/campagne/<int:pk>/besoins/", staff_views.needs, name="staff_needs"),
    path("equipe/campagne/<int:pk>/besoins.xlsx", staff_views.export_needs, name="staff_needs_export"),
    path("equipe/accords-cadres/", staff_views.agreements, name="agreements"),
    path("equipe/accord-cadre/<int:pk>/", staff_views.agreement_detail, name="agreement"),
    path("equipe/accord-cadre/<int:pk>/consommation.xlsx", staff_views.export_consumption, name="consumption_export"),
    path("equipe/accord-cadre/<int:pk>/avenant/", staff_views.amend, name="amend"),
]
