"""``manage.py demo_awareness``: the Occitanie programme of the current year, run for real. Idempotent.

Twelve monthly modules, the follow-up module and the final quiz; four quarterly campaigns from the CRRC's
catalogue. CH de Carcassonne (110000023) and EHPAD de Luzenac (090000597) are enrolled with realistic staff lists
and results, and a dozen other Occitanie establishments too, so that the regional benchmark has something to
compare. Everything goes through the real import services (staff list, GoPhish "Results" exports, module results)
built in memory; a pending on-demand request waits for the CRRC. Île-de-France and Auvergne-Rhône-Alpes get this
year's programme too (modules, campaigns, catalogue) with nobody enrolled yet: their demo directors (from
``demo_calls``) may join it. Run after ``demo_accounts``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from awareness import services
from awareness.choices import Audience, EnrolmentSource, ModuleFormat, ModuleKind, TemplateLevel, Theme
from awareness.models import (
    Campaign,
    CampaignRequest,
    Module,
    PhishingTemplate,
    Programme,
    quarter_bounds,
)
from awareness.tabular import read_table
from establishments.models import Establishment, Region
from establishments.roles import Sector

REGION_CODE = "76"
OTHER_REGIONS = (("11", "Île-de-France"), ("84", "Auvergne-Rhône-Alpes"))
CH_FINESS, EHPAD_FINESS = "110000023", "090000597"

TEMPLATES = (
    ("Colis en attente de livraison", TemplateLevel.SIMPLE, "Un transporteur demande de confirmer une adresse."),
    ("Mise à jour de la messagerie", TemplateLevel.ADVANCED, "Fausse page de connexion au webmail de l'hôpital."),
    ("Prime exceptionnelle de fin d'année", TemplateLevel.SIMPLE, "Un prétendu service RH annonce une prime."),
    ("Partage de document Dossier patient", TemplateLevel.ADVANCED, "Fausse page de connexion à un partage."),
    ("Facture impayée d'un fournisseur", TemplateLevel.SIMPLE, "Relance d'une facture en pièce jointe."),
)

MODULES = (
    (1, Theme.PHISHING, ModuleFormat.VIDEO_QUIZ, "Reconnaître un message d'hameçonnage"),
    (2, Theme.PASSWORDS, ModuleFormat.CHATBOT, "Des mots de passe solides et un gestionnaire"),
    (3, Theme.SOCIAL_ENGINEERING, ModuleFormat.VIDEO_QUIZ, "Le faux technicien au téléphone"),
    (4, Theme.MALWARE, ModuleFormat.SLIDES, "Rançongiciels : les premiers gestes"),
    (5, Theme.USB, ModuleFormat.VIDEO_QUIZ, "La clé USB trouvée sur le parking"),
    (6, Theme.MOBILITY, ModuleFormat.CHATBOT, "Travailler en mobilité et en télétravail"),
    (7, Theme.WORKSTATION, ModuleFormat.VIDEO_QUIZ, "Verrouiller son poste, même pour une minute"),
    (8, Theme.PRO_PERSONAL, ModuleFormat.SLIDES, "Usages professionnels et personnels"),
    (9, Theme.INFORMATION, ModuleFormat.VIDEO_QUIZ, "Protéger les données des patients et des résidents"),
    (10, Theme.PHISHING, ModuleFormat.CHATBOT, "Hameçonnage ciblé : l'arnaque au président"),
    (11, Theme.PASSWORDS, ModuleFormat.VIDEO_QUIZ, "La double authentification au quotidien"),
)

FIRST_NAMES = ("Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sandrine", "Céline", "Valérie", "Aurélie",
               "Julie", "Émilie", "Laetitia", "Camille", "Sophie", "Christine", "Pierre", "Jean", "Nicolas", "Thomas",
               "Laurent", "David", "Sébastien", "Julien", "Olivier", "Mathieu", "Karim", "Yasmine", "Inès", "Hélène",
               "Françoise", "Josiane", "Mickaël", "Cédric", "Gaëlle", "Noémie")  # fmt: skip
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Durand", "Lefèvre", "Moreau", "Laurent", "Simon", "Michel", "Garcia",
              "Fabre", "Roux", "Vidal", "Fournier", "Girard", "Bonnet", "Mercier", "Blanc", "Guerin", "Boyer",
              "Rouquette", "Cazals", "Sabatier", "Cassagne", "Escande", "Pujol", "Marty", "Bousquet", "Benali",
              "Ferrer", "Lopez", "Sanchez", "Castel", "Delmas", "Barthe", "Azéma", "Sarda")  # fmt: skip
CH_SERVICES = (("Urgences", 22), ("Médecine polyvalente", 26), ("Chirurgie", 20), ("Pédiatrie", 12),
               ("Bloc opératoire", 14), ("Pharmacie", 6), ("Direction et administration", 18),
               ("Services techniques", 8), ("Informatique", 3))  # fmt: skip
EHPAD_SERVICES = (("Soins", 14), ("Hébergement", 9), ("Cuisine", 4), ("Administration", 5), ("Animation", 2))
# Share of recipients trapped per quarter: people learn over the year.
TRAPPED = {1: 0.34, 2: 0.26, 3: 0.19, 4: 0.14}
REPORTED = {1: 0.08, 2: 0.15, 3: 0.22, 4: 0.30}


class Command(BaseCommand):
    help = "Programme de sensibilisation de démonstration (Occitanie) avec inscriptions, personnels et résultats."

    def handle(self, *args, **options) -> None:
        region = Region.objects.filter(code=REGION_CODE).first()
        demo = {e.finess: e for e in Establishment.objects.filter(finess__in=[CH_FINESS, EHPAD_FINESS])}
        if region is None or len(demo) < 2:
            raise CommandError("Occitanie, CH de Carcassonne ou EHPAD de Luzenac introuvables : lancez « demo ».")
        today = timezone.localdate()
        rng = random.Random(2026)
        with transaction.atomic():
            programme = self._programme(region, today.year)
        director = User.objects.filter(email="directrice.ch@demo.crrc.example").first()
        self._run(demo[CH_FINESS], programme, CH_SERVICES, rng, today, by=director, informed=True)
        ehpad_director = User.objects.filter(email="directeur.ehpad@demo.crrc.example").first()
        self._run(demo[EHPAD_FINESS], programme, EHPAD_SERVICES, rng, today, by=ehpad_director, informed=False)
        others = (
            Establishment.objects.filter(region=region, sector__in=[Sector.ES, Sector.ESMS])
            .exclude(finess__in=[CH_FINESS, EHPAD_FINESS])
            .order_by("finess")
        )
        peers = list(others.filter(sector=Sector.ES)[:6]) + list(others.filter(sector=Sector.ESMS)[:8])
        for peer in peers:
            size = rng.randint(8, 60) if peer.sector == Sector.ES else rng.randint(4, 30)
            services_ = (("Soins", size // 2 + 1), ("Administration", size // 3 + 1), ("Logistique", size // 6 + 1))
            self._run(peer, programme, services_, rng, today, by=None, informed=True, staff=True)
        self._request(demo[EHPAD_FINESS], programme, ehpad_director, today)
        for code, name in OTHER_REGIONS:
            # The other regions' demo accounts (demo_calls): their CRRC runs a programme the director may join.
            other = Region.objects.filter(code=code).first()
            if other is not None:
                with transaction.atomic():
                    self._programme(other, today.year, name)
        self.stdout.write(
            f"Programme « {programme.title} » : {programme.enrolments.count()} établissements inscrits, "
            f"{programme.campaigns.count()} campagnes trimestrielles."
        )

    def _programme(self, region: Region, year: int, name: str = "Occitanie") -> Programme:
        programme, _ = Programme.objects.update_or_create(
            region=region,
            year=year,
            defaults={
                "title": f"Programme régional de sensibilisation {year} – {name}",
                "platform_name": "GoPhish",
                "staff_information_text": (
                    "Notre établissement participe au programme régional de sensibilisation à la cybersécurité du "
                    f"CRRC {name}. Votre adresse professionnelle, votre nom et votre service sont transmis au CRRC "
                    "pour vous envoyer un module de trois minutes chaque mois et, chaque trimestre, un faux message "
                    "d'hameçonnage. Les résultats ne sont communiqués à la direction et aux relais qu'en vue d'une "
                    "formation complémentaire ; les rapports sont anonymes. Contact : le délégué à la protection des "
                    "données de l'établissement."
                ),
            },
        )
        templates = []
        for name, level, description in TEMPLATES:
            template, _ = PhishingTemplate.objects.update_or_create(
                region=region, name=name, defaults={"level": level, "description": description}
            )
            templates.append(template)
        for month, theme, fmt, title in MODULES:
            Module.objects.update_or_create(
                programme=programme,
                code=f"M{month:02d}",
                defaults={"kind": ModuleKind.MONTHLY, "month": month, "title": title, "theme": theme, "format": fmt,
                          "duration_minutes": 3, "audience": Audience.BOTH},
            )  # fmt: skip
        Module.objects.update_or_create(
            programme=programme, code="QUIZ",
            defaults={"kind": ModuleKind.FINAL_QUIZ, "month": 12, "title": "Quiz de fin de programme",
                      "theme": Theme.PHISHING, "format": ModuleFormat.VIDEO_QUIZ, "duration_minutes": 5},
        )  # fmt: skip
        Module.objects.update_or_create(
            programme=programme, code="REMED",
            defaults={"kind": ModuleKind.FOLLOW_UP, "month": None,
                      "title": "Remédiation : que faire d'un lien douteux ?", "theme": Theme.PHISHING,
                      "format": ModuleFormat.VIDEO_QUIZ, "duration_minutes": 4},
        )  # fmt: skip
        for quarter, template in zip(
            (1, 2, 3, 4), (templates[0], templates[1], templates[2], templates[3]), strict=True
        ):
            start, _end = quarter_bounds(year, quarter)
            Campaign.objects.update_or_create(
                programme=programme,
                quarter=quarter,
                defaults={
                    "template": template,
                    "starts_on": start + timedelta(days=12),
                    "ends_on": start + timedelta(days=40),
                },
            )
        return programme

    def _learners(self, establishment, service_sizes, rng) -> list[list[str]]:
        domain = f"{establishment.finess}.demo-sante.example"
        rows, seen = [["Adresse e-mail", "Nom", "Prénom", "Service"]], set()
        local = random.Random(establishment.finess)
        for service, size in service_sizes:
            for _index in range(size):
                first, last = local.choice(FIRST_NAMES), local.choice(LAST_NAMES)
                base = f"{first}.{last}".lower()
                base = base.translate(str.maketrans("éèëêàâçïîôöüûù", "eeeeaaciioouuu"))
                email, n = f"{base}@{domain}", 2
                while email in seen:
                    email, n = f"{base}{n}@{domain}", n + 1
                seen.add(email)
                rows.append([email, last.upper(), first, service])
        return rows

    def _run(self, establishment, programme, service_sizes, rng, today, *, by, informed, staff=False) -> None:
        source = EnrolmentSource.STAFF if staff else EnrolmentSource.DIRECT
        enrolment = services.enrol(establishment, programme, by=by, source=source)
        if informed and not enrolment.staff_informed_on:
            services.record_staff_information(
                enrolment, by, date(programme.year, 1, 5) if today.year == programme.year else today,
                programme.staff_information_text,
            )  # fmt: skip
        rows = self._learners(establishment, service_sizes, rng)
        services.import_learners(establishment, _table(rows), by=by, filename="personnels.csv")
        learners = rows[1:]
        local = random.Random(f"results-{establishment.finess}")
        module_rows = [["email", "module", "started_at", "completed_at", "score"]]
        for campaign in programme.campaigns.order_by("quarter"):
            if campaign.starts_on > today:
                continue
            module_rows += self._module_rows(programme, campaign, learners, local, today)
            self._results(establishment, campaign, learners, local, by)
        services.import_module_results(establishment, programme, _table(module_rows), by=by, filename="modules.csv")

    def _results(self, establishment, campaign: Campaign, learners, local, by) -> None:
        header = ["id", "status", "ip", "latitude", "longitude", "send_date", "reported", "modified_date", "email",
                  "first_name", "last_name", "position"]  # fmt: skip
        rows = [header]
        send = timezone.make_aware(datetime.combine(campaign.starts_on, time(8, 0)))
        for index, (email, last, first, service) in enumerate(learners):
            roll = local.random()
            if roll < 0.02:
                status = "Error"
            elif roll < 0.02 + TRAPPED[campaign.quarter] * 0.25:
                status = "Submitted Data"
            elif roll < 0.02 + TRAPPED[campaign.quarter]:
                status = "Clicked Link"
            elif roll < 0.55:
                status = "Email Opened"
            else:
                status = "Email Sent"
            reported = status != "Error" and local.random() < REPORTED[campaign.quarter]
            stamp = (send + timedelta(seconds=index * 7)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "417Z"
            rows.append([f"R{index:05d}", status, "", "0.000000", "0.000000", stamp, "true" if reported else "false",
                         stamp, email, first, last, service])  # fmt: skip
        services.import_phishing_results(establishment, campaign, _table(rows), by=by, filename="results.csv")

    def _module_rows(self, programme, campaign, learners, local, today) -> list[list[str]]:
        rows = []
        months = range(3 * (campaign.quarter - 1) + 1, 3 * campaign.quarter + 1)
        for month in months:
            if date(programme.year, month, 1) > today:
                continue
            code = f"M{month:02d}"
            for email, *_rest in learners:
                if local.random() < 0.68:
                    day = date(programme.year, month, local.randint(2, 25))
                    rows.append(
                        [
                            email,
                            code,
                            f"{day.isoformat()} 10:00",
                            f"{day.isoformat()} 10:03",
                            str(local.randint(55, 100)),
                        ]
                    )
        # Most trapped learners completed the follow-up module a few weeks after the campaign.
        for email, *_rest in learners:
            if local.random() < 0.12 * campaign.quarter and campaign.ends_on < today:
                day = campaign.ends_on + timedelta(days=local.randint(3, 20))
                if day <= today:
                    rows.append([email, "REMED", f"{day.isoformat()} 14:00", f"{day.isoformat()} 14:04", "100"])
        return rows

    def _request(self, establishment, programme, user, today) -> None:
        template = PhishingTemplate.objects.filter(region=establishment.region, name=TEMPLATES[4][0]).first()
        if CampaignRequest.objects.filter(establishment=establishment, template=template).exists():
            return
        services.request_campaign(
            establishment, template, services.add_months(today, 1) + timedelta(days=14), by=user,
            message="Avant l'arrivée des nouveaux agents de nuit, uniquement l'équipe de soins.",
        )  # fmt: skip


def _table(rows):
    data = "\r\n".join(",".join(f'"{c}"' if "," in c else c for c in row) for row in rows).encode("utf-8")
    return read_table(data, "csv")
