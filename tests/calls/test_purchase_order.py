"""A funding application may point to one of its establishment's purchase orders (offers) as its proof of order:
chosen among that establishment's issued orders only, refused otherwise (form, model, service, views, admin), editable
only while the application is, and shown to the applicant, to the reviewers and in their export."""

import csv
import io
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from calls import services
from calls.workflow import State
from tests.establishments.factories import EstablishmentFactory
from tests.offers.factories import PurchaseOrderFactory

from .factories import ApplicationFactory, CallFactory, crrc_staff
from .review_factories import reviewer_of, under_review

pytestmark = pytest.mark.django_db


def _order(establishment, state="issued", **kwargs):
    return PurchaseOrderFactory(establishment=establishment, state=state, **kwargs)


@pytest.fixture
def orders(call, establishment):
    neighbour = EstablishmentFactory(ehpad=True, department__region=call.region)
    return {
        "issued": _order(establishment),
        "delivered": _order(establishment, state="delivered"),
        "draft": _order(establishment, state="draft"),
        "cancelled": _order(establishment, state="cancelled"),
        "neighbour": _order(neighbour),  # same region, another establishment
        "elsewhere": _order(EstablishmentFactory(ehpad=True)),  # another region
    }


def _save(client, application, value):
    return client.post(
        reverse("calls:save_answer", args=[application.pk]),
        {"field": "purchase_order", "purchase_order": value},
        headers={"HX-Request": "true"},
    )


def test_the_form_offers_only_the_establishment_issued_orders(client, draft, editor, orders):
    client.force_login(editor)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Bon de commande (preuve de commande)" in page
    assert orders["issued"].reference in page and orders["delivered"].reference in page
    for other in ("draft", "cancelled", "neighbour", "elsewhere"):
        assert f'value="{orders[other].pk}"' not in page, other


def test_choosing_an_order_saves_it_and_the_page_shows_it(client, draft, editor, orders):
    client.force_login(editor)
    response = _save(client, draft, orders["issued"].pk)
    assert response.status_code == 200 and "Enregistré." in response.content.decode()
    draft.refresh_from_db()
    assert draft.purchase_order == orders["issued"]
    page = client.get(draft.get_absolute_url()).content.decode()
    assert f'<option value="{orders["issued"].pk}" selected>' in page
    # And back to none.
    _save(client, draft, "")
    draft.refresh_from_db()
    assert draft.purchase_order is None


@pytest.mark.parametrize("which", ["neighbour", "elsewhere", "draft", "cancelled"])
def test_another_establishment_or_unissued_order_is_refused_by_the_view(client, draft, editor, orders, which):
    client.force_login(editor)
    response = _save(client, draft, orders[which].pk)
    assert response.status_code == 200
    assert "Choisissez un bon de commande émis par l&#x27;établissement qui candidate." in response.content.decode()
    draft.refresh_from_db()
    assert draft.purchase_order is None


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "-1", str(2**63)])
def test_absurd_ids_are_a_field_error_not_a_500(client, draft, editor, orders, value):
    client.force_login(editor)
    response = _save(client, draft, value)
    assert response.status_code == 200 and "Choisissez un bon de commande" in response.content.decode()


def test_the_whole_form_refuses_another_establishment_order_next_to_the_field(client, draft, editor, orders):
    client.force_login(editor)
    response = client.post(reverse("calls:save_form", args=[draft.pk]), {"purchase_order": orders["neighbour"].pk})
    assert response.status_code == 400
    assert "Choisissez un bon de commande émis" in response.content.decode()
    draft.refresh_from_db()
    assert draft.purchase_order is None
    client.post(reverse("calls:save_form", args=[draft.pk]), {"purchase_order": orders["issued"].pk})
    draft.refresh_from_db()
    assert draft.purchase_order == orders["issued"]


def test_the_service_and_the_model_refuse_another_establishment_order(draft, editor, orders):
    with pytest.raises(ValidationError, match="l'établissement qui candidate"):
        services.set_purchase_order(draft, editor, orders["neighbour"])
    with pytest.raises(ValidationError, match="seul un bon de commande émis"):
        services.set_purchase_order(draft, editor, orders["draft"])
    draft.refresh_from_db()
    assert draft.purchase_order is None
    draft.purchase_order = orders["elsewhere"]
    with pytest.raises(ValidationError) as error:
        draft.full_clean()
    assert "purchase_order" in error.value.message_dict


def test_a_stranger_may_not_set_it(draft, orders):
    stranger = crrc_staff(EstablishmentFactory().region)  # staff of another region
    with pytest.raises(ValidationError, match="pas le droit"):
        services.set_purchase_order(draft, stranger, orders["issued"])


def test_only_while_the_application_is_editable(client, call, establishment, editor, orders):
    application = under_review(call, establishment=establishment)
    with pytest.raises(ValidationError, match="plus modifiable"):
        services.set_purchase_order(application, editor, orders["issued"])
    client.force_login(editor)
    response = _save(client, application, orders["issued"].pk)
    assert "plus modifiable" in response.content.decode()
    application.refresh_from_db()
    assert application.purchase_order is None
    # Under construction (submitted, not yet under review) it may still change, as the answers may.
    building = ApplicationFactory(call=CallFactory(region=call.region), establishment=establishment,
                                  state=State.EN_CONSTRUCTION)  # fmt: skip
    services.set_purchase_order(building, editor, orders["issued"])
    building.refresh_from_db()
    assert building.purchase_order == orders["issued"]


def test_read_only_once_submitted_on_the_applicant_page(client, call, establishment, editor, orders):
    application = under_review(call, establishment=establishment, purchase_order=orders["delivered"])
    client.force_login(editor)
    page = client.get(application.get_absolute_url()).content.decode()
    assert orders["delivered"].reference in page and orders["delivered"].get_absolute_url() in page
    assert 'name="purchase_order"' not in page


def test_another_establishment_cannot_reach_the_application_to_set_it(client, draft, orders):
    from .factories import editor_of

    outsider = editor_of(orders["neighbour"].establishment)
    client.force_login(outsider)
    assert _save(client, draft, orders["neighbour"].pk).status_code == 404
    draft.refresh_from_db()
    assert draft.purchase_order is None


# ---- reviewers ---------------------------------------------------------------------------------------------------


def test_reviewers_see_it_on_the_application(client, call, establishment, orders):
    application = under_review(call, establishment=establishment, purchase_order=orders["delivered"])
    client.force_login(reviewer_of(call.region))
    page = client.get(reverse("calls_review:application", args=[application.pk])).content.decode()
    assert orders["delivered"].reference in page and "Service fait" in page
    assert orders["delivered"].get_absolute_url() in page


@pytest.mark.parametrize("count", [1, 6])
def test_reviewers_export_carries_it_in_a_fixed_number_of_queries(client, call, count,
                                                                   django_assert_max_num_queries):  # fmt: skip
    references = []
    for _ in range(count):
        establishment = EstablishmentFactory(ehpad=True, department__region=call.region)
        order = _order(establishment)
        references.append(order.reference)
        under_review(call, establishment=establishment, purchase_order=order)
    under_review(call)  # one without a proof of order
    client.force_login(reviewer_of(call.region))
    url = reverse("calls_review:export", args=[call.pk, "csv"]) + "?columns=reference&columns=purchase_order"
    with django_assert_max_num_queries(25):
        response = client.get(url)
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0] == ["Référence", "Bon de commande"]
    assert sorted(r[1] for r in rows[1:] if r[1]) == sorted(references)
    assert len(rows) == count + 2


def test_the_export_counts_no_more_queries_with_more_orders(client, call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reviewer_of(call.region))
    url = reverse("calls_review:export", args=[call.pk, "csv"]) + "?columns=reference&columns=purchase_order"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(client.get(url).streaming_content)
        return len(captured)

    establishment = EstablishmentFactory(ehpad=True, department__region=call.region)
    under_review(call, establishment=establishment, purchase_order=_order(establishment))
    small = queries()
    for _ in range(4):
        establishment = EstablishmentFactory(ehpad=True, department__region=call.region)
        under_review(call, establishment=establishment, purchase_order=_order(establishment))
    assert queries() == small


# ---- admin ---------------------------------------------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The values a browser would post back from the admin change form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "checkbox"):
            self.data[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self.options[self._select] = []
            self.data.setdefault(self._select, "")
        elif tag == "option" and self._select:
            self.options[self._select].append(attrs.get("value") or "")
            if "selected" in attrs:
                self.data[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _admin_form(client, application) -> _FormFields:
    parser = _FormFields()
    parser.feed(client.get(reverse("admin:calls_application_change", args=[application.pk])).content.decode())
    return parser


@pytest.fixture
def staff_client(client, call):
    from establishments.staffing import sync_staff_access

    staff = crrc_staff(call.region)
    sync_staff_access(staff)
    client.force_login(staff)
    return client


def test_admin_choices_are_the_application_establishment_issued_orders(staff_client, draft, orders):
    form = _admin_form(staff_client, draft)
    choices = {value for value in form.options["purchase_order"] if value}
    assert choices == {str(orders["issued"].pk), str(orders["delivered"].pk)}


def test_admin_sets_it_through_the_service_and_refuses_another_establishment(staff_client, draft, orders):
    url = reverse("admin:calls_application_change", args=[draft.pk])
    form = _admin_form(staff_client, draft)
    refused = staff_client.post(url, form.data | {"purchase_order": str(orders["neighbour"].pk)})
    assert refused.status_code == 200 and "purchase_order" in refused.context["adminform"].form.errors
    draft.refresh_from_db()
    assert draft.purchase_order is None
    response = staff_client.post(url, form.data | {"purchase_order": str(orders["issued"].pk)})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    draft.refresh_from_db()
    assert draft.purchase_order == orders["issued"]


def test_admin_shows_it_read_only_once_under_review(staff_client, call, establishment, orders):
    application = under_review(call, establishment=establishment, purchase_order=orders["issued"])
    page = staff_client.get(reverse("admin:calls_application_change", args=[application.pk])).content.decode()
    assert orders["issued"].reference in page
    assert 'name="purchase_order"' not in page


def test_admin_of_another_region_does_not_see_it(client, draft, orders):
    from establishments.staffing import sync_staff_access

    staff = crrc_staff(orders["elsewhere"].establishment.region)
    sync_staff_access(staff)
    client.force_login(staff)
    response = client.get(reverse("admin:calls_application_change", args=[draft.pk]))
    assert response.status_code in (302, 404)
