import pytest

from reports import registry
from reports.registry import Document


def _builder(report):
    return Document("reports/tests/sample.html", {}, "x.pdf")


def test_the_establishment_sheet_is_registered_by_autodiscovery():
    entry = registry.get("establishment_sheet")
    assert str(entry.label) == "Fiche établissement"
    assert entry in registry.establishment_kinds()


def test_registering_a_kind_twice_with_another_builder_is_refused():
    registry.register("tests_twice", "Deux fois", _builder)
    try:
        registry.register("tests_twice", "Deux fois", _builder)  # same builder: harmless (module imported twice)
        with pytest.raises(ValueError, match="already registered"):
            registry.register("tests_twice", "Deux fois", lambda report: None)
    finally:
        registry.unregister("tests_twice")


def test_unknown_kind_raises():
    with pytest.raises(registry.UnknownReportKind):
        registry.get("nothing_here")


def test_kinds_needing_a_subject_are_not_offered_on_the_establishment_page():
    registry.register("tests_subject", "Avec objet", _builder, needs_subject=True)
    try:
        assert "tests_subject" not in {entry.kind for entry in registry.establishment_kinds()}
        assert registry.get("tests_subject").allows(None, None, 3)
        assert not registry.get("tests_subject").allows(None, None, None)
    finally:
        registry.unregister("tests_subject")
