"""The SVG builders: well-formed, escaped, and carrying their numbers as text (readable in print)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from compms.gaps import svg

NS = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # raises on anything that is not well-formed XML


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]  # own text, not the tooltip inside


def test_heatmap_cells_link_to_their_drill_down_and_show_the_share_as_text():
    rows = [svg.HeatLabel("North <plant>", href="/gaps/heatmap/?unit=N&a=1"), svg.HeatLabel("South")]
    columns = [svg.HeatLabel("OPS:P1"), svg.HeatLabel("OPS:Q2")]
    cells = [[svg.HeatCell(0.75, "75%", "3 of 4 met", "/gaps/cell/?unit=N&competency=P1"),
              svg.HeatCell(None, "", "nobody needs it")],
             [svg.HeatCell(0.0, "0%", "0 of 2 met", "/gaps/cell/?unit=S&competency=P1"),
              svg.HeatCell(1.0, "100%", "2 of 2 met", "/gaps/cell/?unit=S&competency=Q2")]]

    markup = svg.heatmap(rows, columns, cells, title="Requirements met")
    root = parse(markup)

    links = [a.get("href") for a in root.iter(f"{NS}a")]
    assert "/gaps/cell/?unit=N&competency=P1" in links  # '&' escaped in the markup, intact once parsed
    assert "/gaps/heatmap/?unit=N&a=1" in links
    assert len([h for h in links if h.startswith("/gaps/cell/")]) == 3  # the empty cell is not a link
    assert {"75%", "0%", "100%", "North <plant>"} <= set(texts(root))
    assert "&amp;" in markup and "<plant>" not in markup


def test_a_name_cannot_inject_markup():
    evil = '"><script>alert(1)</script>'
    markup = svg.heatmap([svg.HeatLabel(evil)], [svg.HeatLabel(evil)], [[svg.HeatCell(0.5, evil, evil, evil)]], evil)
    root = parse(markup)

    assert not list(root.iter("script")) and not list(root.iter(f"{NS}script"))
    assert "<script>" not in markup


def test_profile_chart_marks_each_required_level_and_says_the_verdict_in_words():
    bars = [svg.ProfileBar("OPS:P1", "Pumps", required=3, proficiency=2, status="short", essential=True),
            svg.ProfileBar("OPS:Q2", "Quality", required=2, proficiency=0, status="expired", essential=False)]

    root = parse(svg.profile_chart(bars, max_level=5, title="Kim against Technician"))

    required_marks = [line for line in root.iter(f"{NS}line") if line.get("stroke-width") == "3"]
    assert len(required_marks) == 3  # one per bar, and one in the legend
    assert {"has 2, needs 3: short", "has 0, needs 2: expired"} <= set(texts(root))
    assert root.find(f"{NS}title").text == "Kim against Technician"


def test_line_chart_breaks_lines_at_missing_values_and_dashes_projections():
    series = [svg.Series("Met", [0.5, 0.6, None, 0.7]), svg.Series("Projected", [None, None, 0.7, 0.65], dashed=True)]

    root = parse(svg.line_chart(["Jan", "Feb", "Mar", "Apr"], series, "Coverage", y_max=1.0, marker=2,
                                marker_label="today"))

    lines = list(root.iter(f"{NS}polyline"))
    assert len(lines) == 3  # "Met" is broken in two by the gap
    assert lines[-1].get("stroke-dasharray") == "6 4"
    assert len(list(root.iter(f"{NS}circle"))) == 5
    assert {"Met", "Projected", "today", "100%", "0%"} <= set(texts(root))


def test_line_chart_formats_the_axis_as_asked():
    root = parse(svg.line_chart(["2026", "2027"], [svg.Series("People", [12, 40])], "Supply",
                                y_format=lambda v: f"{v:.0f} people"))

    assert "40 people" in texts(root)


def test_bar_chart_prints_each_value_and_links_each_bar():
    bars = [svg.Bar("Jan 2027", 12, href="/gaps/expiry/?month=2027-01"), svg.Bar("Feb 2027", 0)]

    root = parse(svg.bar_chart(bars, "Expiry waves"))

    assert [a.get("href") for a in root.iter(f"{NS}a")] == ["/gaps/expiry/?month=2027-01"]
    assert {"12", "0", "Jan 2027", "Feb 2027"} <= set(texts(root))


def test_darker_cells_mean_fewer_requirements_met():
    def lightness(colour: str) -> int:
        return sum(int(colour[i:i + 2], 16) for i in (1, 3, 5))

    shades = [lightness(svg.share_fill(share / 10)) for share in range(11)]
    assert shades == sorted(shades)
