import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from tests.establishments.factories import MembershipFactory, RegionFactory

pytestmark = pytest.mark.django_db

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


@pytest.fixture
def any_host(settings):
    settings.ALLOWED_HOSTS = ["*"]


def test_the_host_name_picks_the_regions_brand(client, any_host):
    RegionFactory(code="52", name="Pays de la Loire", crrc_name="CRRC GRADeS PDL", hostname="cyber.gradespdl.example")
    RegionFactory(code="76", name="Occitanie", crrc_name="CRRC Occitanie")
    page = client.get("/", headers={"host": "cyber.gradespdl.example"}).content.decode()
    assert "CRRC GRADeS PDL" in page
    assert "CRRC Occitanie" not in page
    assert '/branding/52.css"' in page


def test_a_member_sees_the_brand_of_their_establishments_region(client):
    membership = MembershipFactory(establishment__department__region__crrc_name="CRRC Hauts-de-France")
    client.force_login(membership.user)
    page = client.get("/etablissements/").content.decode()
    assert "CRRC Hauts-de-France" in page


def test_region_colours_are_served_as_a_stylesheet(client):
    RegionFactory(code="93", primary_colour="#004b87", secondary_colour="#00857c")
    response = client.get("/branding/93.css")
    assert response["Content-Type"].startswith("text/css")
    assert "--crrc-primary:#004b87" in response.content.decode()


def test_the_regions_logo_is_shown_in_the_header(client):
    region = RegionFactory(code="76", crrc_name="CRRC Occitanie")
    region.logo.save("logo.png", ContentFile(PNG_1PX))
    page = client.get("/").content.decode()
    assert '<img src="/branding/76/logo"' in page
    assert client.get("/branding/76/logo").getvalue() == PNG_1PX


def test_a_colour_that_is_not_hex_is_refused():
    region = RegionFactory.build(code="11", name="Île-de-France", primary_colour="bleu")
    with pytest.raises(ValidationError, match="#RRGGBB"):
        region.full_clean()
