import pytest
from django.core.management import call_command

from accounts.models import User
from crrc.management.commands.demo import demo_accounts
from establishments.models import Establishment
from establishments.roles import Role


@pytest.mark.django_db(transaction=True)
def test_demo_builds_from_the_real_data_and_lists_one_account_per_role(capsys):
    call_command("demo")
    output = capsys.readouterr().out
    described = dict(demo_accounts())
    for role in Role:
        assert any(str(role.label) in what for what in described.values()), role
    assert any("Équipe CRRC" in what for what in described.values())
    assert any("Référent ARS" in what for what in described.values())
    assert "Demo-Portail-CRRC-2026" in output
    assert Establishment.objects.filter(finess="110000023").exists()  # CH de Carcassonne, from the FINESS extract
    assert Establishment.objects.count() > 20_000
    assert User.objects.filter(email__endswith="@demo.crrc.example", is_active=True).count() == len(described)
