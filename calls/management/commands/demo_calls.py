"""Demo calls reproducing two real calls, idempotently, on real FINESS establishments.

* Île-de-France AAP: funding of a cyber crisis exercise, €4,000 flat per establishment, paid on service done.
  Prerequisites: self-assessment grid, OPSSIES updated less than 3 months before applying, purchase order placed.
* Occitanie: the same AAP, opened by the Occitanie CRRC for health and medico-social establishments, so that the
  demo's Occitanie accounts (CH de Carcassonne, EHPAD de Luzenac) have a call to apply to; current edition only.
* Auvergne-Rhône-Alpes AAC: a cybersecurity diagnostic or a crisis exercise; motivation note and signed commitment
  letter; open until 31 December 2025, reviewed on a rolling basis with a first cut-off.

Each call exists twice: the historical edition (closed; the ARA closing date of 31/12/2025 is the real one, other
dates are indicative and say so) and a current edition open now, so that the demo can be used today. Run after
``load_geo``, ``import_finess`` (Île-de-France extract and national sample) and ``demo_accounts``.
"""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from calls.models import (
    Answer,
    Application,
    Attachment,
    Call,
    CutOff,
    EligibilityRule,
    ProjectKind,
    Question,
    RequiredDocument,
    TransitionLog,
)
from calls.workflow import State
from establishments.models import Establishment, Membership, Region
from establishments.roles import Role, StaffKind
from establishments.staffing import assign_staff

DEMO_PASSWORD = "Demo-Portail-CRRC-2026"
IDF, ARA, OCC = "11", "84", "76"
OCC_OTHER_FINESS = ("110000049", "090000183")  # CH de Castelnaudary, CH Ariège Couserans (sample applications)
IDF_APPLICANT_FINESS = "750000481"  # CHNO des Quinze-Vingts, Paris (355 Centre hospitalier)
IDF_OTHER_FINESS = ("750000499",)  # CH Sainte-Anne, Paris
ARA_APPLICANT_FINESS = "010784312"  # EHPAD Émile Pélicand, Bourg-en-Bresse (500 EHPAD)
ARA_OTHER_FINESS = (
    "010788024",
    "030780944",
)  # EHPAD public La Montagne (Châtillon-sur-Chalaronne), EHPAD de Cosne-d'Allier

Q = Question.Kind
R = EligibilityRule.Kind
P = RequiredDocument.Phase


# The Île-de-France AAP's form, documents and prerequisites (also used by the Occitanie edition).
AAP_QUESTIONS = [
    ("grille_remplie", "La grille d'auto-évaluation a-t-elle été remplie ?", Q.YES_NO, True,
     "Joignez la grille remplie ci-dessous.", []),
    ("risk_level", "Résultat de la grille d'auto-évaluation", Q.SINGLE_CHOICE, True,
     "Niveau de maturité obtenu dans la grille.",
     ["Avancé", "Intermédiaire", "Élémentaire", "Insuffisant"]),
    ("bon_commande_passe", "Le bon de commande auprès du prestataire est-il passé ?", Q.YES_NO, True, "", []),
    ("montant_commande", "Montant du bon de commande (€ TTC)", Q.AMOUNT, True, "", []),
    ("date_exercice", "Date prévue de l'exercice", Q.DATE, True, "", []),
    ("date_opssies", "Date de la dernière mise à jour OPSSIES", Q.DATE, True,
     "Date figurant sur votre fiche OPSSIES ; elle doit dater de moins de 3 mois.", []),
]  # fmt: skip
AAP_DOCUMENTS = [
    ("grille", "Grille d'auto-évaluation remplie", "", ["pdf", "xlsx", "ods"], P.APPLICATION, ""),
    ("bon_commande", "Bon de commande", "Bon de commande signé adressé au prestataire.", ["pdf"],
     P.APPLICATION, ""),
    ("compte_rendu", "Compte rendu de l'exercice (service fait)",
     "Compte rendu ou attestation de réalisation signée par le prestataire.", ["pdf"], P.SERVICE_DONE, ""),
    ("facture", "Facture du prestataire", "", ["pdf"], P.INVOICE, ""),
]  # fmt: skip
AAP_RULES = [
    ("Grille d'auto-évaluation remplie", R.SELF_ASSESSMENT, {"question": "grille_remplie"},
     "La grille d'auto-évaluation doit avoir été remplie avant de candidater."),
    ("OPSSIES mis à jour depuis moins de 3 mois", R.DECLARED_DATE_WITHIN,
     {"question": "date_opssies", "months": 3},
     "La fiche OPSSIES doit avoir été mise à jour moins de 3 mois avant la candidature."),
    ("Bon de commande passé", R.DECLARED_YES_WITH_PROOF,
     {"question": "bon_commande_passe", "document": "bon_commande"},
     "Le bon de commande auprès du prestataire doit être passé et joint."),
]  # fmt: skip
AAP_FUNDING = {
    "funding_mode": Call.FundingMode.FLAT,
    "funding_amount": Decimal("4000"),
    "budget_envelope": Decimal("200000"),
    "max_funded_applications": 50,
    "payment_on_service_done": True,
    "is_rolling": False,
}


def minimal_pdf(text: str) -> bytes:
    """A small valid one-page PDF (demo attachments and templates)."""
    stream = f"BT /F1 14 Tf 60 760 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@dataclass(frozen=True)
class Edition:
    slug: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    note: str
    published: bool = True


def _aware(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def current_window(months: int) -> tuple[datetime.datetime, datetime.datetime]:
    """Opened on the first day of this month, closing ``months`` later: open whenever the demo is loaded."""
    today = timezone.localdate()
    opens = _aware(today.year, today.month, 1)
    index = today.year * 12 + today.month - 1 + months
    closes = _aware(index // 12, index % 12 + 1, 1) - datetime.timedelta(minutes=1)
    return opens, closes


class Command(BaseCommand):
    help = "Crée les appels de démonstration (AAP Île-de-France exercice de crise, AAC Auvergne-Rhône-Alpes)."

    def handle(self, *args, **options) -> None:
        regions = {r.code: r for r in Region.objects.filter(code__in=[IDF, ARA, OCC])}
        if IDF not in regions or ARA not in regions:
            raise CommandError("Régions 11 et 84 absentes : lancez d'abord « manage.py load_geo ».")
        with transaction.atomic():
            idf_calls = self._idf(regions[IDF])
            ara_calls = self._ara(regions[ARA])
            # Occitanie's demo accounts come from demo_accounts; without the region (a partial test set), no call.
            occ_calls = [self._occitanie(regions[OCC])] if OCC in regions else []
            idf_applicant = self._establishment(IDF_APPLICANT_FINESS, IDF, "355")
            ara_applicant = self._establishment(ARA_APPLICANT_FINESS, ARA, "500")
            accounts = [
                self._member("direction.quinzevingts@demo.crrc.example", "Hélène", "Morel", idf_applicant),
                self._member("direction.pelicand@demo.crrc.example", "Julien", "Perrin", ara_applicant),
                self._staff("crrc.idf@demo.crrc.example", "Nadia", "Lefèvre", regions[IDF]),
                self._staff("crrc.ara@demo.crrc.example", "Thomas", "Girard", regions[ARA]),
            ]
            applicants = [idf_applicant.pk, ara_applicant.pk]
            self._sample_applications(idf_calls[-1], IDF_OTHER_FINESS, IDF, "355", applicants)
            self._sample_applications(ara_calls[-1], ARA_OTHER_FINESS, ARA, "500", applicants)
            if occ_calls and Establishment.objects.filter(region__code=OCC, category__code="355").exists():
                occ_applicants = list(
                    Membership.objects.filter(establishment__region__code=OCC, is_active=True).values_list(
                        "establishment_id", flat=True
                    )
                )
                self._sample_applications(occ_calls[0], OCC_OTHER_FINESS, OCC, "355", occ_applicants)
        for call in idf_calls + ara_calls + occ_calls:
            self.stdout.write(f"  {call.status_label:<8} {call.title} — {call.edition_note}")
        self.stdout.write(f"Comptes (mot de passe {DEMO_PASSWORD}) :")
        for label, email in accounts:
            self.stdout.write(f"  {label:<55} {email}")

    # ---- calls ------------------------------------------------------------------------------------

    def _call(self, region: Region, edition: Edition, **fields) -> Call:
        call, _created = Call.objects.update_or_create(
            slug=edition.slug,
            defaults={
                "region": region,
                "opens_at": edition.opens_at,
                "closes_at": edition.closes_at,
                "edition_note": edition.note,
                "is_published": edition.published,
                **fields,
            },
        )
        return call

    def _configure(self, call: Call, questions, documents, rules, cutoffs=(), kinds=()) -> None:
        for order, (code, label, kind, mandatory, help_text, choices) in enumerate(questions):
            Question.objects.update_or_create(
                call=call,
                code=code,
                defaults={
                    "label": label,
                    "kind": kind,
                    "is_mandatory": mandatory,
                    "help_text": help_text,
                    "choices": choices,
                    "order": order,
                },
            )
        for order, (code, label, description, types, phase, template_text) in enumerate(documents):
            document, _ = RequiredDocument.objects.update_or_create(
                call=call,
                code=code,
                defaults={
                    "label": label,
                    "description": description,
                    "accepted_types": types,
                    "phase": phase,
                    "max_size_mb": 10,
                    "order": order,
                },
            )
            if template_text and not document.template:
                document.template.save(f"{code}-modele.pdf", ContentFile(minimal_pdf(template_text)), save=True)
        for order, (label, kind, parameters, message) in enumerate(rules):
            EligibilityRule.objects.update_or_create(
                call=call,
                label=label,
                defaults={"kind": kind, "parameters": parameters, "failure_message": message, "order": order},
            )
        for date, label in cutoffs:
            CutOff.objects.update_or_create(call=call, date=date, defaults={"label": label})
        for order, (code, label, description) in enumerate(kinds):
            ProjectKind.objects.update_or_create(
                call=call, code=code, defaults={"label": label, "description": description, "order": order}
            )

    def _idf(self, region: Region) -> list[Call]:
        opens, closes = current_window(8)
        editions = [
            Edition(
                "idf-aap-exercice-crise-cyber-2025",
                _aware(2025, 3, 3),
                _aware(2025, 10, 31, 23, 59),
                "Édition 2025, close (dates indicatives, reprises pour la démonstration).",
            ),
            Edition(
                f"idf-aap-exercice-crise-cyber-{opens.year}-{closes.year}",
                opens,
                closes,
                f"Édition {opens.year}-{closes.year}, ouverte pour la démonstration "
                "(mêmes conditions que l'appel réel).",
            ),
        ]
        description = (
            "L'ARS Île-de-France finance la réalisation d'un exercice de crise cyber par les établissements de "
            "santé franciliens : un forfait de 4 000 € par établissement, versé sur service fait (compte rendu "
            "de l'exercice) et présentation de la facture du prestataire.\n\n"
            "Prérequis : avoir rempli la grille d'auto-évaluation, avoir mis à jour sa fiche OPSSIES moins de "
            "3 mois avant la candidature, et avoir passé le bon de commande auprès du prestataire.\n\n"
            "Enveloppe et nombre de dossiers financés : montants de démonstration."
        )
        rules = [
            ("Établissement d'Île-de-France", R.REGION, {"region_codes": [IDF]},
             "L'appel est réservé aux établissements situés en Île-de-France."),
            ("Établissement de santé", R.SECTOR, {"sectors": ["ES"]},
             "L'appel est réservé aux établissements de santé (ES)."),
        ]  # fmt: skip
        calls = []
        for edition in editions:
            call = self._call(
                region,
                edition,
                kind=Call.Kind.AAP,
                title="Financement d'un exercice de crise cyber",
                summary="Forfait de 4 000 € par établissement de santé, versé sur service fait.",
                description=description,
                contact_email="crrc-idf@demo.crrc.example",
                **AAP_FUNDING,
            )
            self._configure(call, AAP_QUESTIONS, AAP_DOCUMENTS, rules + AAP_RULES)
            calls.append(call)
        return calls

    def _occitanie(self, region: Region) -> Call:
        """The Île-de-France AAP's conditions, opened in Occitanie for ES and ESMS (current edition)."""
        opens, closes = current_window(8)
        edition = Edition(
            f"occitanie-aap-exercice-crise-cyber-{opens.year}-{closes.year}",
            opens,
            closes,
            f"Édition {opens.year}-{closes.year} de démonstration, sur le modèle de l'appel francilien.",
        )
        description = (
            "Le CRRC Occitanie accompagne les établissements sanitaires et médico-sociaux de la région dans la "
            "réalisation d'un exercice de crise cyber : un forfait de 4 000 € par établissement, versé sur service "
            "fait (compte rendu de l'exercice) et présentation de la facture du prestataire.\n\n"
            "Prérequis : avoir rempli la grille d'auto-évaluation, avoir mis à jour sa fiche OPSSIES moins de "
            "3 mois avant la candidature, et avoir passé le bon de commande auprès du prestataire.\n\n"
            "Appel de démonstration : montants et enveloppe fictifs."
        )
        rules = [
            ("Établissement d'Occitanie", R.REGION, {"region_codes": [OCC]},
             "L'appel est réservé aux établissements situés en Occitanie."),
            ("Établissement de santé ou médico-social", R.SECTOR, {"sectors": ["ES", "ESMS"]},
             "L'appel est réservé aux établissements de santé et médico-sociaux."),
        ]  # fmt: skip
        call = self._call(
            region,
            edition,
            kind=Call.Kind.AAP,
            title="Soutien à l'organisation d'un exercice de crise cyber",
            summary="Forfait de 4 000 € par établissement sanitaire ou médico-social, versé sur service fait.",
            description=description,
            contact_email="crrc-occitanie@demo.crrc.example",
            **AAP_FUNDING,
        )
        self._configure(call, AAP_QUESTIONS, AAP_DOCUMENTS, rules + AAP_RULES)
        return call

    def _ara(self, region: Region) -> list[Call]:
        opens, closes = current_window(12)
        first_cutoff = opens + datetime.timedelta(days=75)
        editions = [
            (
                Edition(
                    "ara-aac-diagnostic-exercice-2025",
                    _aware(2025, 6, 2),
                    _aware(2025, 12, 31, 23, 59),
                    "Édition 2025, close : dépôt jusqu'au 31/12/2025, relève au fil de l'eau "
                    "(date d'ouverture et de première relève indicatives).",
                ),
                [(_aware(2025, 9, 30, 23, 59), "Première relève"), (_aware(2025, 12, 31, 23, 59), "Relève finale")],
            ),
            (
                Edition(
                    f"ara-aac-diagnostic-exercice-{opens.year}-{closes.year}",
                    opens,
                    closes,
                    f"Édition {opens.year}-{closes.year}, ouverte pour la démonstration "
                    "(mêmes conditions que l'appel réel).",
                ),
                [(first_cutoff, "Première relève"), (closes, "Relève finale")],
            ),
        ]
        description = (
            "Appel à candidatures pour les établissements et services médico-sociaux d'Auvergne-Rhône-Alpes : "
            "bénéficier d'un diagnostic de cybersécurité ou d'un exercice de crise cyber accompagné. "
            "Les candidatures sont instruites au fil de l'eau : celles reçues avant une date de relève sont "
            "décidées dans cette vague. L'équipe du CRRC attribue le type de projet au vu de votre souhait et de "
            "votre maturité.\n\nPièces obligatoires : note de motivation et lettre d'engagement signée (modèle "
            "à télécharger)."
        )
        questions = [
            ("referent_cyber", "Un référent cybersécurité est-il désigné dans l'établissement ?", Q.YES_NO, True,
             "", []),
            ("diagnostic_anterieur", "Avez-vous déjà réalisé un diagnostic de cybersécurité ?", Q.YES_NO, True,
             "Par exemple un diagnostic MonAideCyber.", []),
            ("risk_level", "Comment évaluez-vous votre niveau de protection actuel ?", Q.SINGLE_CHOICE, True, "",
             ["Bon", "Moyen", "Faible", "Je ne sais pas"]),
            ("attentes", "Vos attentes et contraintes (disponibilités, prestataire informatique…)", Q.LONG_TEXT,
             False, "", []),
        ]  # fmt: skip
        documents = [
            ("note_motivation", "Note de motivation", "Une page : contexte, enjeux, personnes mobilisées.",
             ["pdf", "docx", "odt"], P.APPLICATION, ""),
            ("lettre_engagement", "Lettre d'engagement signée",
             "Téléchargez le modèle, faites-le signer par la direction et déposez-le.", ["pdf"], P.APPLICATION,
             "Lettre d'engagement - modele a signer par la direction de l'etablissement"),
        ]  # fmt: skip
        rules = [
            ("Établissement d'Auvergne-Rhône-Alpes", R.REGION, {"region_codes": [ARA]},
             "L'appel est réservé aux établissements situés en Auvergne-Rhône-Alpes."),
            ("Établissement ou service médico-social", R.SECTOR, {"sectors": ["ESMS"]},
             "L'appel est réservé aux établissements et services médico-sociaux (ESMS)."),
        ]  # fmt: skip
        kinds = [
            ("diagnostic", "Diagnostic de cybersécurité", "Un diagnostic sur site et ses recommandations."),
            ("exercice", "Exercice de crise cyber", "Un exercice de crise préparé et animé avec vos équipes."),
        ]
        calls = []
        for edition, cutoffs in editions:
            call = self._call(
                region,
                edition,
                kind=Call.Kind.AAC,
                title="Diagnostic ou exercice de crise cyber pour les ESMS",
                summary="Diagnostic de cybersécurité ou exercice de crise accompagné, au fil de l'eau.",
                description=description,
                funding_mode=Call.FundingMode.NONE,
                funding_amount=None,
                budget_envelope=None,
                max_funded_applications=40,
                payment_on_service_done=False,
                is_rolling=True,
                contact_email="crrc-ara@demo.crrc.example",
            )
            self._configure(call, questions, documents, rules, cutoffs, kinds)
            calls.append(call)
        return calls

    # ---- people and sample applications ----------------------------------------------------------------

    def _establishment(self, finess: str, region_code: str, category: str) -> Establishment:
        establishment = (
            Establishment.objects.filter(finess=finess).first()
            or Establishment.objects.filter(region__code=region_code, category__code=category)
            .order_by("finess")
            .first()
        )
        if establishment is None:
            raise CommandError(
                f"Aucun établissement de catégorie {category} en région {region_code} : importez les extraits FINESS."
            )
        return establishment

    def _user(self, email: str, first: str, last: str) -> User:
        user = User.objects.filter(email=email).first() or User(email=email)
        user.first_name, user.last_name, user.is_active = first, last, True
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    def _member(self, email: str, first: str, last: str, establishment: Establishment) -> tuple[str, str]:
        user = self._user(email, first, last)
        if not Membership.objects.filter(user=user, establishment=establishment, is_active=True).exists():
            Membership.objects.create(user=user, establishment=establishment, role=Role.DIRECTOR)
        return f"Direction, {establishment.name[:40]}", email

    def _staff(self, email: str, first: str, last: str, region: Region) -> tuple[str, str]:
        user = self._user(email, first, last)
        if not user.staff_assignments.filter(region=region, kind=StaffKind.CRRC_STAFF, is_active=True).exists():
            assign_staff(user, region, StaffKind.CRRC_STAFF)
        return f"Équipe CRRC {region.name} (MFA à la 1re connexion)", email

    def _sample_applications(self, call: Call, finesses, region_code: str, category: str, applicants) -> None:
        """Submitted applications from other real establishments, so that the review side has work to show."""
        others = list(Establishment.objects.filter(finess__in=finesses).exclude(pk__in=applicants))
        if len(others) < len(finesses):
            extra = (
                Establishment.objects.filter(region__code=region_code, category__code=category)
                .exclude(finess__in=finesses)
                .exclude(pk__in=applicants)
            )
            others += list(extra.order_by("finess")[: len(finesses) - len(others)])
        kinds = list(call.project_kinds.all())
        today = timezone.localdate()
        for index, establishment in enumerate(others):
            application, created = Application.objects.get_or_create(
                call=call,
                establishment=establishment,
                defaults={
                    "state": State.EN_CONSTRUCTION,
                    "submitted_at": timezone.now() - datetime.timedelta(days=3 + index),
                    "preferred_kind": kinds[index % len(kinds)] if kinds else None,
                },
            )
            if not created:
                continue
            application.cutoff = call.cutoff_for(application.submitted_at)
            answers = {
                "grille_remplie": True,
                "risk_level": call.questions.get(code="risk_level").choices[(index + 1) % 4],
                "bon_commande_passe": True,
                "montant_commande": "6480",
                "date_exercice": (today + datetime.timedelta(days=60 + 14 * index)).isoformat(),
                "date_opssies": (today - datetime.timedelta(days=20 + 10 * index)).isoformat(),
                "referent_cyber": index % 2 == 0,
                "diagnostic_anterieur": False,
                "attentes": "Disponibilités en semaine ; prestataire informatique externe.",
            }
            for question in call.questions.all():
                if question.code in answers:
                    Answer.objects.create(application=application, question=question, value=answers[question.code])
            application.declared_risk_level = ["low", "medium", "high", "critical"][(index + 1) % 4]
            application.save()
            for document in call.documents.filter(phase=P.APPLICATION):
                attachment = Attachment(
                    application=application,
                    document=document,
                    original_name=f"{document.code}.pdf",
                    file_type="pdf",
                    size=0,
                    sha256="",
                )
                content = minimal_pdf(f"{document.label} - {establishment.name}"[:80])
                attachment.size, attachment.sha256 = len(content), hashlib.sha256(content).hexdigest()
                attachment.file.save(f"{document.code}.pdf", ContentFile(content), save=True)
            TransitionLog.objects.create(
                application=application,
                transition="submit",
                from_state=State.BROUILLON,
                to_state=State.EN_CONSTRUCTION,
                at=application.submitted_at,
                comment="Dossier de démonstration",
            )
