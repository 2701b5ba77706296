"""The shared chart module: well-formed SVG, values drawn to scale, the scale stated, the figures as a table."""

from xml.etree import ElementTree as ET

import pytest
from django.template import Context, Template
from django.utils import translation

from crrc import charts

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def parse(chart):
    root = ET.fromstring(str(chart.svg))
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 400 ")
    assert root.get("role") == "img" and root.find(f"{SVG}title").text.startswith(chart.title)
    assert "style" not in str(chart.svg)  # CSP: presentation attributes only
    return root


def texts(root):
    return [t.text for t in root.iter(f"{SVG}text")]


def bars(root):
    """Coloured bars (the grey track and the comparison bars excluded)."""
    return [r for r in root.iter(f"{SVG}rect") if r.get("fill") not in (charts.TRACK, charts.MUTED)]


def test_bar_lengths_are_proportional_to_values_on_one_stated_scale():
    chart = charts.bar("Score par thème", ["Gouvernance", "Accès", "Postes"], [3, 1.5, None], scale_max=3)
    root = parse(chart)
    widths = [float(r.get("width")) for r in bars(root)]
    assert len(widths) == 2  # no bar drawn for the missing value
    assert widths[0] == pytest.approx(2 * widths[1])
    track = float(next(r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.TRACK).get("width"))
    assert widths[0] == pytest.approx(track)  # 3 out of 3 fills the track
    assert "Échelle : de 0 à 3" in texts(root) and chart.scale == "Échelle : de 0 à 3"
    assert texts(root)[-5:-1] == ["0", "1", "2", "3"]  # the axis ticks, then the scale
    assert chart.rows == [["Gouvernance", "3"], ["Accès", "1,5"], ["Postes", "non disponible"]]


def test_bar_says_the_given_wording_for_a_missing_value_and_draws_a_comparison():
    chart = charts.bar("S", ["A", "B"], [None, 2], 3, compare=[1, None], missing="non évalué", compare_header="Avant")
    root = parse(chart)
    assert "non évalué" in texts(root)
    assert chart.headers == ["Libellé", "Valeur", "Avant"]
    assert chart.rows == [["A", "non évalué", "1"], ["B", "2", "non évalué"]]
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.MUTED]) == 1


def test_bar_without_a_scale_rounds_the_largest_value_up_and_formats_numbers_in_french():
    chart = charts.bar("Montants", ["A", "B"], [1234.5, 800], unit="€")
    parse(chart)
    assert chart.scale == "Échelle : de 0 à 1\u00a0500\u00a0€"
    assert chart.rows[0] == ["A", "1\u00a0234,5\u00a0€"]


def test_stacked_bar_segments_add_up_and_the_table_has_totals():
    chart = charts.stacked_bar("Actions", ["Gouvernance", "Accès"], {"Fait": [2, 0], "Ouvert": [2, 1]})
    root = parse(chart)
    segments = [r for r in bars(root) if float(r.get("width")) > 12]
    assert len(segments) == 3  # the zero segment is not drawn
    assert float(segments[0].get("width")) == pytest.approx(float(segments[1].get("width")))
    assert chart.headers == ["Libellé", "Fait", "Ouvert", "Total"]
    assert chart.rows == [["Gouvernance", "2", "2", "4"], ["Accès", "0", "1", "1"]]
    assert {"Fait", "Ouvert"} <= set(texts(root))  # legend


def test_line_breaks_at_missing_points_and_keeps_them_in_the_table():
    chart = charts.line("Taux de clic", ["T1", "T2", "T3", "T4"], {"Clics": [40, 20, None, 10]}, scale_max=100)
    root = parse(chart)
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    polylines = list(root.iter(f"{SVG}polyline"))
    assert len(polylines) == 1 and len(polylines[0].get("points").split()) == 2
    ys = [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    assert ys[0] < ys[1] < ys[2]  # higher value is higher on the page
    assert chart.scale == "Échelle : de 0 à 100\u00a0%"
    assert chart.rows[2] == ["T3", "non disponible"]


def test_radar_draws_one_sector_per_value_on_its_scale_and_none_for_missing():
    chart = charts.radar("Indicateurs", ["Gouvernance", "Accès", "Postes", "Réaction"], [3, 1.5, None, 0], 3)
    root = parse(chart)
    paths = list(root.iter(f"{SVG}path"))
    assert len(paths) == 2
    radii = [float(p.get("d").split(" A")[1].split(",")[0]) for p in paths]
    assert radii[0] == pytest.approx(2 * radii[1])
    assert chart.rows == [
        ["1. Gouvernance", "3"],
        ["2. Accès", "1,5"],
        ["3. Postes", "non disponible"],
        ["4. Réaction", "0"],
    ]
    assert chart.scale in texts(root)


def test_distribution_columns_and_table():
    chart = charts.distribution("Niveaux", ["Niveau 1", "Niveau 2", "Niveau 3"], [4, 2, 0])
    root = parse(chart)
    heights = [float(r.get("height")) for r in bars(root)]
    assert heights[0] == pytest.approx(2 * heights[1]) and heights[2] == 0
    assert chart.rows == [["Niveau 1", "4"], ["Niveau 2", "2"], ["Niveau 3", "0"]]


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.bar("Vide", [], []),
        lambda: charts.stacked_bar("Vide", [], {"Fait": []}),
        lambda: charts.line("Vide", ["T1"], {"Clics": [None]}),
        lambda: charts.radar("Vide", [], [], 3),
        lambda: charts.distribution("Vide", [], []),
    ],
)
def test_empty_data_gives_a_message_and_no_table(build):
    chart = build()
    assert chart.empty and chart.rows == []
    parse(chart)
    html = Template("{% load charts %}{% chart c %}").render(Context({"c": chart}))
    assert "Aucune donnée à afficher." in html and "<table" not in html


def test_labels_are_escaped():
    chart = charts.bar("<b>", ["<script>x</script>"], [1])
    root = parse(chart)
    assert "<script>" not in str(chart.svg) and "<script>x</script>" in texts(root)


def test_the_tag_renders_figure_svg_and_an_accessible_table():
    chart = charts.bar("Score", ["A", "B"], [1, 2], 3, label_header="Thème", value_header="Score")
    html = Template("{% load charts %}{% chart c %}").render(Context({"c": chart}))
    assert html.count("<figure") == 1 and "<svg" in html and "(Échelle : de 0 à 3)" in html
    assert "<caption>Score : les valeurs du graphique</caption>" in html
    assert '<th scope="col">Thème</th><th scope="col">Score</th>' in html
    assert '<tr><th scope="row">A</th><td>1</td></tr>' in html
    assert "style=" not in html


def test_ticks_are_round():
    assert charts.ticks(3) == [0, 1, 2, 3]
    assert charts.ticks(100) == [0, 20, 40, 60, 80, 100]
    assert charts.ticks(1) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1])
    assert (
        charts.nice_max(7) == 8
        and charts.nice_max(12) == 15
        and charts.nice_max(1234) == 1500
        and charts.nice_max(0) == 1
    )
