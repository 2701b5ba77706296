"""``manage.py demo_community``: the Occitanie RSSI community, as its members know it. Idempotent.

Each demo account has something to do: the RSSI and the director of the CH and the EHPAD director read what is
new, register to events and answer polls; the CH relay has an invitation to accept; the CH member's request waits
for the CRRC team, who moderate (approve it, lock or hide, the log); the EHPAD member may ask to join; the ARS
referent follows the community as a member.

The other regions' demo accounts (created by ``demo_calls``: a director and a CRRC team member in Île-de-France and
in Auvergne-Rhône-Alpes) get their region's community too: the director is a member with a welcome thread to
answer and a webinar to register to; the CRRC team member moderates it.
"""

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from community import services
from community.models import Access, Folder, Group, Member, NotificationLevel, Space
from community.selectors import viewer_for
from establishments.models import Establishment, Region

REGION_CODE = "76"
SPACE_NAME = "Communauté RSSI Occitanie"
ESMS_SPACE_NAME = "Référents ESMS Occitanie"
CH_FINESS, EHPAD_FINESS = "110000023", "090000597"
# (region code, space name, staff account, director account, establishment FINESS) of the other demo regions.
OTHER_REGIONS = (
    ("11", "Communauté RSSI Île-de-France", "crrc.idf", "direction.quinzevingts", "750000481"),
    ("84", "Communauté RSSI Auvergne-Rhône-Alpes", "crrc.ara", "direction.pelicand", "010784312"),
)
OTHER_DOMAIN = "@communaute.demo.example"

# Fictional RSSI and referents on real Occitanie establishments (first establishments of each sector).
PEOPLE = (
    ("Hélène", "Cassagne", "RSSI du GHT", "ES", "PCA, gestion de crise, EBIOS RM"),
    ("Mathieu", "Rouquette", "Responsable infrastructure", "ES", "sauvegardes, Active Directory"),
    ("Aurélie", "Bonnafous", "DPO", "ES", "RGPD, analyse d'impact"),
    ("Jérôme", "Salvat", "Référent informatique", "ESMS", "messagerie, postes de travail"),
    ("Nathalie", "Combes", "Directrice adjointe", "ESMS", "sensibilisation, charte"),
    ("Sébastien", "Marty", "Technicien informatique", "ESMS", "réseau, Wi-Fi"),
)

PDF_TEMPLATE = b"%%PDF-1.4\n%% %s\n1 0 obj<<>>endobj\ntrailer<<>>\n%%%%EOF\n"


def _pdf(name: str, title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_TEMPLATE % title.encode("ascii", "ignore"), content_type="application/pdf")


def _other_region(code: str, name: str, staff, director, establishment) -> bool:
    """One region's community with its director as a member: a welcome thread and a webinar (idempotent)."""
    region = Region.objects.filter(code=code).first()
    if region is None or Space.objects.filter(region=region, name=name).exists():
        return False
    space = services.create_space(region, name, description=f"Le réseau des RSSI et référents de la région {region}.")
    now = timezone.now()
    Member.objects.create(
        space=space, user=director, establishment=establishment, state=Member.State.ACTIVE,
        source=Member.Source.STAFF, joined_at=now, digest_cursor=now, function="Direction",
    )  # fmt: skip
    sv = viewer_for(staff, space)
    services.upload_document(
        sv, space.folders.get(name="Guides bonnes pratiques"), _pdf("fiches-reflexes.pdf", "Fiches reflexes"),
        "Fiches réflexes en cas de cyberattaque", "Les premiers gestes, à imprimer pour l'accueil et la direction.",
    )  # fmt: skip
    services.start_thread(
        sv, "Bienvenue dans la communauté", "Présentez-vous : votre établissement, vos projets cyber de l'année ?"
    )
    start = (now + timezone.timedelta(days=12)).replace(hour=14, minute=0, second=0, microsecond=0)
    services.create_event(
        sv, title="Webinaire : préparer l'exercice de crise cyber", kind="webinar", mode="remote",
        link="https://visio.example.org/exercice", starts_at=start, ends_at=start + timezone.timedelta(hours=1),
        capacity=60, description="Les kits d'exercice du CRRC et le calendrier de l'année.",
    )  # fmt: skip
    return True


class Command(BaseCommand):
    help = "Crée la communauté RSSI d'Occitanie de démonstration (espaces, documents, discussions, agenda, sondages)."

    def _other_regions(self, demo: dict) -> None:
        for code, name, staff_key, director_key, finess in OTHER_REGIONS:
            establishment = Establishment.objects.filter(finess=finess).first()
            if establishment is None or staff_key not in demo or director_key not in demo:
                continue  # a partial demo (tests, or demo_calls not run)
            if _other_region(code, name, demo[staff_key], demo[director_key], establishment):
                self.stdout.write(f"{name} : créée.")

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        region = Region.objects.filter(code=REGION_CODE).first()
        if region is None:
            raise CommandError("Région Occitanie introuvable : lancez d'abord « manage.py demo ».")
        User = get_user_model()
        demo = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@demo.crrc.example")}
        self._other_regions(demo)
        if Space.objects.filter(region=region, name=SPACE_NAME).exists():
            self.stdout.write("Communauté de démonstration déjà présente.")
            return
        ch = Establishment.objects.filter(finess=CH_FINESS).first()
        ehpad = Establishment.objects.filter(finess=EHPAD_FINESS).first()
        staff = demo.get("equipe.crrc")
        if ch is None or ehpad is None or staff is None:
            raise CommandError("Comptes de démonstration introuvables : lancez d'abord « manage.py demo_accounts ».")

        space = services.create_space(
            region,
            SPACE_NAME,
            description="Le réseau des RSSI et référents informatiques des établissements d'Occitanie.",
        )
        esms_space = services.create_space(
            region, ESMS_SPACE_NAME, Space.Kind.CIRCLE, "Le cercle des référents des établissements médico-sociaux."
        )
        now = timezone.now()

        def join(user, establishment, level=NotificationLevel.MEDIUM, target=space, **profile):
            return Member.objects.create(
                space=target, user=user, establishment=establishment, state=Member.State.ACTIVE,
                source=Member.Source.STAFF, joined_at=now, digest_cursor=now, level=level, **profile,
            )  # fmt: skip

        rssi = join(demo["rssi.ch"], ch, NotificationLevel.HIGH, function="RSSI", expertise="sauvegardes, PRA",
                    show_email=True)  # fmt: skip
        director = join(demo["directrice.ch"], ch, function="Directrice")
        ehpad_director = join(demo["directeur.ehpad"], ehpad, function="Directeur", show_email=True)
        join(demo["directeur.ehpad"], ehpad, target=esms_space, function="Directeur")
        join(demo["referent.ars"], None, NotificationLevel.LOW, function="Référent ARS")
        others = []
        es_pool = list(
            Establishment.objects.filter(region=region, sector="ES").exclude(pk=ch.pk).order_by("finess")[:3]
        )
        esms_pool = list(
            Establishment.objects.filter(region=region, sector="ESMS").exclude(pk=ehpad.pk).order_by("finess")[:3]
        )
        for index, (first, last, function, sector, tags) in enumerate(PEOPLE):
            pool = es_pool if sector == "ES" else esms_pool
            if not pool:
                continue
            email = f"{first.lower()}.{last.lower()}{OTHER_DOMAIN}".replace("é", "e").replace("è", "e")
            user, _created = User.objects.get_or_create(email=email, defaults={"first_name": first, "last_name": last})
            others.append(
                join(user, pool[index % len(pool)], function=function, expertise=tags, show_email=index % 2 == 0)
            )

        sv = viewer_for(staff, space)
        # The CH relay is invited; the CH member's request waits for the CRRC team.
        services.invite(sv, demo["relais.ch"].email, ch)
        services.request_join(space, demo["membre.ch"], ch, "Nouveau technicien, j'aimerais suivre les échanges.")

        group = Group.objects.create(space=space, name="GT Sauvegardes et PRA")
        group.members.add(rssi, *(m for m in others[:2]))
        folders = {f.name: f for f in Folder.objects.filter(space=space, parent=None)}
        es_folder = services.create_folder(sv, "PCA-PRA hospitaliers", folders["Guides bonnes pratiques"], Access.ES)
        services.create_folder(sv, "Trames à adapter", es_folder, Access.INHERIT)
        esms_folder = services.create_folder(sv, "Fiches ESMS", folders["Guides bonnes pratiques"], Access.ESMS)
        gt_folder = services.create_folder(sv, "Travaux du GT", None, Access.GROUP, group)
        crrc_folder = services.create_folder(sv, "Réservé équipe CRRC", None, Access.STAFF)

        author = others[0] if others else rssi
        av = viewer_for(author.user, space)
        rv = viewer_for(rssi.user, space)
        ev = viewer_for(ehpad_director.user, space)
        docs = [
            (sv, folders["Offre CERT Santé"], "Offre de service CERT Santé 2026", "Ce que le CERT Santé propose."),
            (av, folders["Guides bonnes pratiques"], "Fiche réflexe rançongiciel", "Les dix premières heures."),
            (rv, es_folder, "Trame de PRA pour un centre hospitalier", "Inspirée du guide ANS."),
            (ev, esms_folder, "Charte informatique type pour EHPAD", "À faire signer par chaque salarié."),
            (rv, gt_folder, "Comparatif des solutions de sauvegarde", "Travail du GT, version de travail."),
            (sv, crrc_folder, "Tableau de suivi des accompagnements", "Usage interne du CRRC."),
            (
                av,
                folders["Outils et méthodes indispensables"],
                "Grille d'auto-évaluation MFA",
                "Pour préparer l'audit.",
            ),
            (ev, folders["A classer"], "Compte rendu réunion référents ESMS", "Réunion de septembre."),
        ]
        created = []
        for viewer, folder, title, description in docs:
            created.append(
                services.upload_document(viewer, folder, _pdf(f"{title[:40]}.pdf", title), title, description)
            )
        services.add_version(
            rv, created[2], _pdf("trame-pra-v2.pdf", "PRA v2"), "Ajout de l'annexe sur les sauvegardes"
        )

        thread = services.start_thread(
            av, "Restauration complète : qui l'a testée ?",
            "Nous préparons un test de restauration de l'AD. @karim.benali, tu l'as fait l'an dernier ?", created[1],
        )  # fmt: skip
        reply = services.reply(rv, thread, "Oui, en 6 heures. Je partage notre trame dans le dossier PRA.")
        services.toggle_like(av, reply)
        services.reply(ev, thread, "Pour un EHPAD, par où commencer ? Nous n'avons pas de DSI.")
        mfa = services.start_thread(rv, "MFA pour les accès à distance des prestataires", "Retours sur les solutions ?")
        services.reply(av, mfa, "Nous imposons la MFA via le bastion depuis mars.")
        off_topic = services.start_thread(ev, "Vente de matériel d'occasion", "Je vends des écrans.")
        services.set_thread_locked(sv, off_topic, True, "Hors du champ de la communauté")
        services.start_thread(
            viewer_for(director.user, space), "Budget cyber 2027", "Comment le présentez-vous au directoire ?"
        )

        start = (now + timezone.timedelta(days=9)).replace(hour=10, minute=0, second=0, microsecond=0)
        webinar = services.create_event(
            sv, title="Webinaire NIS 2 : ce qui change pour les établissements", kind="webinar", mode="remote",
            link="https://visio.example.org/nis2", starts_at=start, ends_at=start + timezone.timedelta(hours=1),
            capacity=80, description="Présentation par l'équipe du CRRC, suivie de questions.",
        )  # fmt: skip
        day = start + timezone.timedelta(days=21)
        regional = services.create_event(
            sv, title="Journée régionale des RSSI", kind="regional_day", mode="on_site",
            location="Toulouse, Hôtel de Région", starts_at=day.replace(hour=9),
            ends_at=day.replace(hour=17), capacity=3, description="Retours d'expérience, atelier gestion de crise.",
        )  # fmt: skip
        services.create_event(
            sv, title="Atelier du GT Sauvegardes", kind="workshop", mode="remote", link="https://visio.example.org/gt",
            starts_at=start + timezone.timedelta(days=3), ends_at=start + timezone.timedelta(days=3, hours=2),
            capacity=10, group=group,
        )  # fmt: skip
        for member in [rssi, *others[:3]]:
            services.register(viewer_for(member.user, space), regional)  # three places, the fourth waits
        services.register(viewer_for(ehpad_director.user, space), webinar)

        services.create_poll(
            av, question="Quelle solution de sauvegarde utilisez-vous ?", options=["Veeam", "Commvault", "Bacula",
            "Autre"], multiple=True, anonymous=False, closes_at=now + timezone.timedelta(days=14), results="after_vote",
        )  # fmt: skip
        poll = services.create_poll(
            sv, question="Quel format préférez-vous pour la prochaine journée ?", options=["Sur place", "À distance",
            "Hybride"], multiple=False, anonymous=True, closes_at=now + timezone.timedelta(days=7),
            results="after_close",
        )  # fmt: skip
        for member in others[:4]:
            services.vote(viewer_for(member.user, space), poll, [poll.options.first().pk])
        self.stdout.write(
            f"Communauté « {space.name} » : {space.members.filter(state='active').count()} membres, "
            f"{space.documents.count()} documents, {space.threads.count()} discussions, "
            f"{space.events.count()} événements."
        )
