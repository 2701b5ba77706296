from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from accounts import mfa_setup

from . import legal, views

admin.site.site_header = "Administration du portail CRRC"
admin.site.site_title = "Portail CRRC"
admin.site.index_title = "Gestion du centre régional de ressources cyber"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("branding/<str:code>.css", views.branding_css, name="branding_css"),
    path("branding/<str:code>/logo", views.branding_logo, name="branding_logo"),
    # Anonymous visitors choose their language too (the login page is the first page most people see).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("mentions-legales/", legal.legal_notice, name="legal_notice"),
    path("accessibilite/", legal.accessibility, name="accessibility"),
    path("donnees-personnelles/", legal.privacy, name="privacy"),
    path("contact/", legal.contact, name="contact"),
    path("accounts/2fa/continuer/", mfa_setup.continue_after_setup, name="mfa_continue"),
    path("accounts/", include("allauth.urls")),
    # Before the admin's own URLs: /admin/login/ goes through allauth (rate limits, MFA step).
    path("admin/login/", views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("etablissements/", include("establishments.urls")),
    path("documents/", include("reports.urls")),
    path("plans-d-action/", include("action_plans.urls")),
    path("evaluations/", include("assessments.urls")),
    path("appels/", include("calls.urls")),
    path("instruction/", include("calls.review.urls")),
    path("tableau-de-bord/", include("dashboards.urls")),
    path("incidents/", include("incidents.urls")),
    path("sensibilisation/", include("awareness.urls")),
    path("communaute/", include("community.urls")),
    path("offres/", include("offers.urls")),
    path("exercices/", include("exercises.urls")),
]
