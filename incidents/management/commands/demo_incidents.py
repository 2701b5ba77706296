"""``manage.py demo_incidents``: incidents for the demo's Occitanie establishments. Idempotent.

CH de Carcassonne has an open incident (compromised mailbox) detected this morning, two steps done and the
rapid-response force requested: the CRRC demo account takes it. EHPAD de Luzenac had a ransomware on its
administrative workstations three months ago, supported and closed, with its lessons learned in the action plan.
The Occitanie CRRC gets a demonstration on-call number. Everything goes through ``incidents.services``.
The other regions' demo accounts (created by ``demo_calls``) get an incident each, so that their CRRC has one to
take: a denial of service on the CHNO des Quinze-Vingts' website (Île-de-France) and a laptop stolen from the EHPAD
Émile Pélicand (Auvergne-Rhône-Alpes). Run after ``demo_accounts`` and ``demo_calls``.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from establishments.models import Establishment, Region, StaffAssignment
from establishments.roles import Role, StaffKind
from establishments.selectors import active_memberships
from incidents import services
from incidents.models import CareImpact, Incident, RegionOnCall
from incidents.steps import StepKind

CH_FINESS, EHPAD_FINESS = "110000023", "090000597"
# (FINESS, on-call phone of its region's CRRC, declaration): establishments of the other regions' demo accounts.
OTHER_REGIONS = (
    (
        "750000481",
        "01 00 00 00 00",
        {
            "title": "Déni de service sur le site internet et la prise de rendez-vous",
            "description": (
                "Depuis 6 h, le site et la prise de rendez-vous en ligne ne répondent plus ; l'hébergeur voit un "
                "afflux de requêtes depuis des milliers d'adresses. Les consultations du jour sont maintenues."
            ),
            "hours_ago": 26,
            "systems_affected": "Site internet, module de prise de rendez-vous",
            "care_impact": CareImpact.DEGRADED,
        },
    ),
    (
        "010784312",
        "04 00 00 00 00",
        {
            "title": "Ordinateur portable de l'infirmière coordinatrice volé",
            "description": (
                "Portable volé dans un véhicule de service ; il contenait des plans de soins exportés. Le disque "
                "n'était pas chiffré. Le compte a été désactivé ce matin."
            ),
            "hours_ago": 9,
            "systems_affected": "Poste nomade, messagerie",
            "care_impact": CareImpact.NONE,
            "personal_data": True,
            "harm": True,
        },
    ),
)


def _member(establishment: Establishment, role: str):
    membership = active_memberships(establishment).filter(role=role).order_by("pk").first()
    return membership.user if membership else None


class Command(BaseCommand):
    help = "Crée les incidents cyber de démonstration (Occitanie)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        region = Region.objects.get(code="76")
        RegionOnCall.objects.get_or_create(
            region=region,
            defaults={
                "phone": "05 00 00 00 00",
                "email": region.contact_email or "astreinte.crrc@demo.crrc.example",
                "instructions": "Numéro de démonstration. Appelez plutôt qu'écrire si les soins sont touchés.",
            },
        )
        staff = (
            StaffAssignment.objects.filter(region=region, kind=StaffKind.CRRC_STAFF, is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        ch = Establishment.objects.get(finess=CH_FINESS)
        ehpad = Establishment.objects.get(finess=EHPAD_FINESS)
        created = 0
        if not Incident.objects.filter(establishment=ch).exists():
            self._open_incident(ch)
            created += 1
        if staff and not Incident.objects.filter(establishment=ehpad).exists():
            self._closed_incident(ehpad, staff.user)
            created += 1
        created += self._other_regions()
        self.stdout.write(f"incidents : {created} créé(s)")

    def _other_regions(self) -> int:
        """One open incident in each other demo region, declared by its director, for its CRRC to take."""
        created = 0
        for finess, phone, answers in OTHER_REGIONS:
            establishment = Establishment.objects.filter(finess=finess).select_related("region").first()
            director = _member(establishment, Role.DIRECTOR) if establishment else None
            if director is None:
                continue  # a partial demo (tests, or demo_calls not run): nothing to attach the incident to
            RegionOnCall.objects.get_or_create(
                region=establishment.region,
                defaults={"phone": phone, "email": establishment.region.contact_email,
                          "instructions": "Numéro de démonstration."},
            )  # fmt: skip
            if Incident.objects.filter(establishment=establishment).exists():
                continue
            answers = dict(answers)
            detected = timezone.now() - timedelta(hours=answers.pop("hours_ago"))
            incident = services.declare(establishment, director, services.Declaration(detected_at=detected, **answers))
            services.mark_step_done(
                incident.steps.get(kind=StepKind.CRISIS_CELL),
                director,
                detected + timedelta(hours=2),
                "Cellule réunie.",
            )
            created += 1
        return created

    def _open_incident(self, ch: Establishment) -> None:
        rssi = _member(ch, Role.RSSI) or _member(ch, Role.DIRECTOR)
        now = timezone.now()
        incident = services.declare(
            ch,
            rssi,
            services.Declaration(
                title="Messagerie compromise au service des admissions",
                description=(
                    "Depuis 7 h, la boîte des admissions envoie des courriels d'hameçonnage à nos correspondants. "
                    "Le mot de passe a été changé à 8 h 15 ; des règles de transfert inconnues ont été trouvées."
                ),
                detected_at=now - timedelta(hours=5),
                systems_affected="Messagerie (boîte partagée des admissions)",
                care_impact=CareImpact.NONE,
                personal_data=True,
            ),
        )
        services.mark_step_done(
            incident.steps.get(kind=StepKind.CRISIS_CELL), rssi, now - timedelta(hours=4), "Cellule restreinte."
        )
        services.request_rapid_response(
            incident, rssi, "Aide pour analyser les journaux de la messagerie et savoir quelles données sont parties."
        )

    def _closed_incident(self, ehpad: Establishment, staff) -> None:
        director = _member(ehpad, Role.DIRECTOR)
        detected = timezone.now() - timedelta(days=92)
        incident = services.declare(
            ehpad,
            director,
            services.Declaration(
                title="Rançongiciel sur les postes administratifs",
                description="Écran de rançon sur les deux postes de l'accueil ; fichiers des résidents chiffrés.",
                detected_at=timezone.now() - timedelta(minutes=30),
                care_impact=CareImpact.DEGRADED,
                harm=True,
                personal_data=True,
            ),
        )
        # The demo dates the story three months back: the service validates dates against "now".
        shift = incident.detected_at - detected
        Incident.objects.filter(pk=incident.pk).update(detected_at=detected, declared_at=incident.declared_at - shift)
        for step in incident.steps.all():
            step.deadline -= shift
            step.done_at = step.done_at - shift if step.done_at else None
            step.save(update_fields=["deadline", "done_at"])
        incident.refresh_from_db()
        for kind, hours in ((StepKind.CRISIS_CELL, 2), (StepKind.NATIONAL_PORTAL, 6), (StepKind.COMPLAINT, 30)):
            services.mark_step_done(incident.steps.get(kind=kind), director, detected + timedelta(hours=hours))
        services.take(incident, staff)
        Incident.objects.filter(pk=incident.pk).update(supported_at=detected + timedelta(hours=3))
        services.add_intervention(
            incident,
            staff,
            at=detected + timedelta(hours=3),
            mode="phone",
            description="Premier appel : isolement des deux postes, conservation des preuves.",
            hours="1",
            intervenants="Équipe CRRC",
        )
        services.add_intervention(
            incident,
            staff,
            at=detected + timedelta(days=1),
            mode="on_site",
            description="Intervention sur site : réinstallation des postes, restauration des sauvegardes de J-2.",
            hours="6,5",
            intervenants="Équipe CRRC, prestataire informatique",
        )
        services.close(
            incident,
            staff,
            lessons_learned=(
                "Les sauvegardes existaient mais n'avaient jamais été testées ; le poste de l'accueil servait aussi "
                "à la messagerie personnelle."
            ),
            actions=(
                "Tester la restauration des sauvegardes chaque trimestre\nSéparer usages personnels et professionnels"
            ),
        )
