# ruff: noqa: E501  (measure titles are quoted verbatim from mesures.yaml)
"""SCORING.md §7 worked examples, to the last decimal and in the same measure order."""

from decimal import Decimal

import pytest

from assessments import selectors, services

from .conftest import MAC, answer

pytestmark = pytest.mark.django_db

INFRA = "securite-infrastructure"
PARE_FEU = f"{INFRA}-pare-feu-deploye"
SAUVEGARDES = "reaction-sauvegardes-donnees-realisees"
PONCT = f"{SAUVEGARDES}-oui-ponctuellement"


@pytest.fixture
def diagnostic(grids, establishment, rssi):
    return services.start_assessment(establishment, grids[MAC], rssi)


def ranks_and_values(result):
    return [(m.recommendation.rank, m.value) for m in result.measures]


def titles(measures):
    return [m.recommendation.title for m in measures]


def test_example_1_gouvernance_alone(diagnostic):
    answer(
        diagnostic,
        "gouvernance-infos-et-activites-a-proteger",
        "gouvernance-infos-et-activites-a-proteger-oui-idee-generale",
    )
    answer(diagnostic, "gouvernance-schema-si-a-jour", "gouvernance-schema-si-a-jour-non-plan-historique-obsolete")
    answer(diagnostic, "gouvernance-schema-si-industriel-a-jour", "gouvernance-schema-si-industriel-a-jour-na")
    answer(diagnostic, "gouvernance-connaissance-rgpd-1", "gouvernance-connaissance-rgpd-1-oui-liste-données")
    answer(diagnostic, "gouvernance-connaissance-rgpd-2", "gouvernance-connaissance-rgpd-2-nsp")
    answer(diagnostic, "gouvernance-exigence-cyber-securite-presta", "gouvernance-exigence-cyber-securite-presta-non")

    result = services.compute_result(diagnostic)

    gouvernance = result.section("gouvernance")
    assert (gouvernance.weighted_sum, gouvernance.weight_total) == (Decimal("5.5"), Decimal(6))
    assert gouvernance.rounded == Decimal("0.9167")
    # Charts draw the theme on the grid's own 0–3 scale (bars and radar alike), not MonAideCyber's 0–5 radar.
    assert selectors.chart_value(diagnostic.grid, gouvernance.score, None) == Decimal("0.92")
    assert [s.score for s in result.sections if s.section.code != "gouvernance"] == [None] * 6
    assert result.overall is None
    assert ranks_and_values(result) == [(1, 1.5), (24, 0), (20, 0.5), (15, 2)]
    assert titles(result.priority_measures) == [
        "Établir la liste exhaustive et à jour des activités métiers et des informations à protéger en priorité",
        "Fixer des exigences de cybersécurité aux prestataires",
        "Disposer d’un schéma global du réseau informatique et de la liste des interconnexions vers l’extérieur à jour",
        "Établir votre registre des activités de traitement de données personnelles et le tenir à jour",
    ]
    assert result.other_measures == []


def test_example_2_drawer_questions(diagnostic):
    answer(diagnostic, PARE_FEU, f"{PARE_FEU}-oui")
    answer(
        diagnostic,
        f"{PARE_FEU}-oui-tiroir-interconnexions-protegees",
        f"{PARE_FEU}-oui-tiroir-interconnexions-protegees-oui",
    )
    answer(diagnostic, f"{PARE_FEU}-oui-tiroir-logs-stockes", f"{PARE_FEU}-oui-tiroir-logs-stockes-oui-logs-stockes")
    answer(diagnostic, f"{INFRA}-si-industriel-pare-feu-deploye", f"{INFRA}-si-industriel-pare-feu-deploye-na")
    eq = f"{INFRA}-mises-a-jour-fonctionnelles-securite-equipements-securite-deployees"
    answer(diagnostic, eq, f"{eq}-non")
    os_ = f"{INFRA}-mises-a-jour-fonctionnelles-securite-systemes-exploitation-securite-deployees"
    answer(diagnostic, os_, f"{os_}-a-intervalle-regulier")
    answer(
        diagnostic,
        f"{INFRA}-outils-securisation-systeme-messagerie",
        f"{INFRA}-outils-securisation-systeme-messagerie-antispam",
    )
    answer(diagnostic, f"{INFRA}-acces-wifi-securises", f"{INFRA}-acces-wifi-securises-nsp")
    answer(diagnostic, f"{INFRA}-espace-stockage-serveurs", f"{INFRA}-espace-stockage-serveurs-oui-porte-ferme-a-clef")
    answer(
        diagnostic,
        "reaction-surveillance-veille-vulnerabilites-potentielles",
        "reaction-surveillance-veille-vulnerabilites-potentielles-veille-ponctuelle",
    )
    answer(diagnostic, SAUVEGARDES, PONCT)
    answer(diagnostic, f"{PONCT}-tiroir-environnement-isole", f"{PONCT}-tiroir-environnement-isole-non")
    answer(
        diagnostic,
        f"{PONCT}-tiroir-sauvegarde-testee-regulierement",
        f"{PONCT}-tiroir-sauvegarde-testee-regulierement-nsp",
    )
    answer(
        diagnostic,
        "reaction-dispositif-gestion-crise-adapte-defini",
        "reaction-dispositif-gestion-crise-adapte-defini-non",
    )

    result = services.compute_result(diagnostic)

    infra = result.section("securiteinfrastructure")
    assert (infra.weighted_sum, infra.weight_total, infra.rounded) == (Decimal(14), Decimal(12), Decimal("1.1667"))
    assert selectors.chart_value(diagnostic.grid, infra.score, None) == Decimal("1.17")
    reaction = result.section("reaction")
    assert (reaction.weighted_sum, reaction.weight_total, reaction.rounded) == (
        Decimal(6),
        Decimal(11),
        Decimal("0.5455"),
    )
    assert selectors.chart_value(diagnostic.grid, reaction.score, None) == Decimal("0.55")
    assert ranks_and_values(result) == [
        (2, 0), (6, 1), (8, 1.5),
        (9, 0), (22, 0), (33, 1), (32, 1.5), (35, 1.5), (21, 2), (28, 2),
    ]  # fmt: skip
    assert titles(result.priority_measures) == [
        "Déployer systématiquement toutes les mises à jour sur les équipements de sécurité dès que celles-ci sont disponibles",
        "Réaliser des sauvegardes régulièrement",
        "Mettre en œuvre des mesures de sécurité supplémentaires sur les serveurs, services et logiciels d'administration ne pouvant pas bénéficier des mises à jour",
        "Disposer d'une copie de sauvegarde des données critiques “hors ligne”, isolé de l'environnement bureautique",
        "Lister les personnes à contacter en cas de cyberattaque",
        "Activer et conserver l'historique de l’ensemble des flux bloqués et des flux entrants et sortants identifiés par le pare-feu",
    ]
    assert len(result.other_measures) == 4


def test_example_3_full_diagnostic(diagnostic):
    for question, option in [
        ("contexte-nature-entite", "contexte-nature-entite-entreprise-privee"),
        ("contexte-secteur-activite", "contexte-secteur-activite-santé"),
        ("contexte-nombre-personnes-dans-entite", "contexte-nombre-personnes-dans-entite-entre-10-et-49"),
        ("contexte-nombre-postes-travail-dans-entite", "contexte-nombre-postes-travail-dans-entite-entre-10-et-49"),
        ("contexte-activites-recherche-et-developpement", "contexte-activites-recherche-et-developpement-non"),
        ("contexte-opere-systemes-information-industriels", "contexte-opere-systemes-information-industriels-non"),
        ("gouvernance-infos-et-activites-a-proteger", "gouvernance-infos-et-activites-a-proteger-non"),
        ("gouvernance-schema-si-a-jour", "gouvernance-schema-si-a-jour-oui-macro"),
        ("gouvernance-connaissance-rgpd-1", "gouvernance-connaissance-rgpd-1-oui-liste-données"),
        ("gouvernance-connaissance-rgpd-2", "gouvernance-connaissance-rgpd-2-non"),
        ("gouvernance-exigence-cyber-securite-presta", "gouvernance-exigence-cyber-securite-presta-oui-formalisee"),
        ("acces-outil-gestion-des-comptes", "acces-outil-gestion-des-comptes-oui"),
        (
            "acces-utilisateurs-administrateurs-poste",
            "acces-utilisateurs-administrateurs-poste-suppression-privilege-en-cours",
        ),
        ("acces-mesures-securite-robustesse-mdp", "acces-mesures-securite-robustesse-mdp-non"),
        (
            "acces-administrateurs-informatiques-suivie-et-limitee",
            "acces-administrateurs-informatiques-suivie-et-limitee-revue-reguliere",
        ),
        (
            "acces-utilisation-comptes-administrateurs-droits-limitee",
            "acces-utilisation-comptes-administrateurs-droits-quelques-restrictions",
        ),
        (
            "acces-teletravail-acces-distants-mesures-particulieres",
            "acces-teletravail-acces-distants-mesures-particulieres-mfa",
        ),
        ("acces-administrateurs-si-mesures-specifiques", "acces-administrateurs-si-mesures-specifiques-non"),
        (
            "securite-poste-maj-fonctionnelles-et-securite-deployees",
            "securite-poste-maj-fonctionnelles-et-securite-deployees-systematiquement-avec-exceptions",
        ),
        ("securite-poste-antivirus-deploye", "securite-poste-antivirus-deploye-oui-alertes-pas-toujours-traitees"),
        ("securite-poste-pare-feu-local-active", "securite-poste-pare-feu-local-active-non"),
        (
            "securite-poste-outils-complementaires-securisation",
            "securite-poste-outils-complementaires-securisation-non",
        ),
        (PARE_FEU, f"{PARE_FEU}-oui"),
        (f"{PARE_FEU}-oui-tiroir-interconnexions-protegees", f"{PARE_FEU}-oui-tiroir-interconnexions-protegees-oui"),
        (f"{PARE_FEU}-oui-tiroir-logs-stockes", f"{PARE_FEU}-oui-tiroir-logs-stockes-non"),
        (
            f"{INFRA}-mises-a-jour-fonctionnelles-securite-equipements-securite-deployees",
            f"{INFRA}-mises-a-jour-fonctionnelles-securite-equipements-securite-deployees-non",
        ),
        (
            f"{INFRA}-mises-a-jour-fonctionnelles-securite-systemes-exploitation-securite-deployees",
            f"{INFRA}-mises-a-jour-fonctionnelles-securite-systemes-exploitation-securite-deployees-a-intervalle-regulier",
        ),
        (f"{INFRA}-outils-securisation-systeme-messagerie", f"{INFRA}-outils-securisation-systeme-messagerie-antispam"),
        (
            "sensibilisation-actions-sensibilisation-menace-et-bonnes-pratiques",
            "sensibilisation-actions-sensibilisation-menace-et-bonnes-pratiques-oui-ponctuellement",
        ),
        (
            "sensibilisation-collaborateurs-soumis-obligations-usages-securises",
            "sensibilisation-collaborateurs-soumis-obligations-usages-securises-non",
        ),
        (
            "reaction-surveillance-veille-vulnerabilites-potentielles",
            "reaction-surveillance-veille-vulnerabilites-potentielles-veille-ponctuelle",
        ),
        (SAUVEGARDES, PONCT),
        (f"{PONCT}-tiroir-environnement-isole", f"{PONCT}-tiroir-environnement-isole-non"),
        (f"{PONCT}-tiroir-sauvegarde-testee-regulierement", f"{PONCT}-tiroir-sauvegarde-testee-regulierement-non"),
        (
            "reaction-dispositif-gestion-crise-adapte-defini",
            "reaction-dispositif-gestion-crise-adapte-defini-oui-fiche-reflexe",
        ),
    ]:
        answer(diagnostic, question, option)

    result = services.compute_result(diagnostic)

    scores = {s.section.code: s.rounded for s in result.sections}
    assert scores == {
        "contexte": None,
        "gouvernance": Decimal("1.0000"),
        "SecuriteAcces": Decimal("1.0000"),
        "securiteposte": Decimal("1.2000"),
        "securiteinfrastructure": Decimal("0.9545"),
        "sensibilisation": Decimal("0.9000"),
        "reaction": Decimal("0.7500"),
    }
    chart = [selectors.chart_value(diagnostic.grid, s.score, None) for s in result.sections if s.score is not None]
    assert chart == [
        Decimal("1.00"),
        Decimal("1.00"),
        Decimal("1.20"),
        Decimal("0.95"),
        Decimal("0.90"),
        Decimal("0.75"),
    ]
    assert len(result.measures) == 28
    assert ranks_and_values(result) == [
        (1, 0), (2, 0), (6, 1), (7, 1), (8, 1.5), (4, 2), (5, 2),
        (9, 0), (10, 0), (13, 0), (16, 0), (19, 0), (25, 0), (27, 0), (30, 0), (33, 0),
        (12, 1), (20, 1),
        (17, 1.5), (22, 1.5), (32, 1.5),
        (11, 2), (15, 2), (21, 2), (24, 2), (28, 2), (29, 2),
        (14, 3),
    ]  # fmt: skip
    assert titles(result.priority_measures) == [
        "Établir la liste des activités et des données à protéger en priorité",
        "Déployer systématiquement toutes les mises à jour sur les équipements de sécurité dès que celles-ci sont disponibles",
        "Réaliser des sauvegardes régulièrement",
        "Limiter drastiquement le nombre d’utilisateurs disposant du privilège d’administration local sur leur machine",
        "Mettre en œuvre des mesures de sécurité supplémentaires sur les serveurs, services et logiciels d'administration ne pouvant pas bénéficier des mises à jour",
        "Traiter systématiquement les alertes générées par l'antivirus",
    ]
    assert result.other_measures[0].recommendation.title == (
        "Mettre en œuvre des mesures de sécurité supplémentaires sur les systèmes ne pouvant pas bénéficier des mises à jour"
    )
    assert result.measures[-1].recommendation.title == (
        "Contrôler régulièrement le niveau de sécurité de son outil de gestion de politiques de sécurité centralisé"
    )


def test_business_rule_sets_not_applicable_on_its_targets(diagnostic):
    outcome = answer(
        diagnostic,
        "contexte-opere-systemes-information-industriels",
        "contexte-opere-systemes-information-industriels-non",
    )

    answers = diagnostic.answers.filter(set_by_rule=True).prefetch_related("selected")
    assert sorted(a.question.code for a in answers) == sorted(
        [
            "gouvernance-schema-si-industriel-a-jour",
            "acces-si-industriel-teletravail-acces-distants-mesures-particulieres",
            "securite-poste-si-industriel-maj-fonctionnelles-et-securite-deployees",
            "securite-poste-si-industriel-antivirus-deploye",
            "securite-infrastructure-si-industriel-pare-feu-deploye",
        ]
    )
    assert all(a.selected.get().label.lower() == "non applicable" for a in answers)
    assert len(outcome.changed_question_ids) == 6


def test_rule_with_empty_answer_records_an_empty_answer(diagnostic):
    answer(
        diagnostic,
        "contexte-nombre-postes-travail-dans-entite",
        "contexte-nombre-postes-travail-dans-entite-entre-1-et-9",
    )

    emptied = diagnostic.answers.get(
        question__code="sensibilisation-collaborateurs-soumis-obligations-usages-securises"
    )
    assert emptied.set_by_rule and not emptied.selected.exists()
    assert services.compute_result(diagnostic).section("sensibilisation").score is None


def test_changing_the_parent_answer_drops_the_drawer_answers(diagnostic):
    answer(diagnostic, PARE_FEU, f"{PARE_FEU}-oui")
    answer(diagnostic, f"{PARE_FEU}-oui-tiroir-logs-stockes", f"{PARE_FEU}-oui-tiroir-logs-stockes-non")
    answer(diagnostic, PARE_FEU, f"{PARE_FEU}-non")

    assert not diagnostic.answers.filter(question__code=f"{PARE_FEU}-oui-tiroir-logs-stockes").exists()
    assert services.compute_result(diagnostic).section("securiteinfrastructure").score == 0
