from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conveyor.server.badge import COLOURS, badge_status, badge_svg, text_width

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def halves(root: ET.Element) -> list[ET.Element]:
    group = root.find(f"{SVG}g[@clip-path]")
    assert group is not None
    return group.findall(f"{SVG}rect")


@pytest.mark.parametrize(
    ("status", "colour"),
    [
        ("passing", "#4c1"),
        ("failing", "#e05d44"),
        ("in progress", "#dfb317"),
        ("no status", "#9f9f9f"),
        ("cancelled", "#9f9f9f"),
        ("skipped", "#9f9f9f"),
    ],
)
def test_right_half_is_coloured_by_status(status: str, colour: str) -> None:
    root = parse(badge_svg("CI", status))
    left, right, _gloss = halves(root)
    assert left.get("fill") == "#555"
    assert right.get("fill") == colour
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["CI", "CI", status, status]  # shadow, then text, for each half


def test_every_status_word_has_a_colour() -> None:
    words = {badge_status(c, s) for c, s in [("success", None), ("failure", None)]}
    words |= {badge_status(None, "queued"), badge_status(None, None)}
    words |= {badge_status("cancelled", None), badge_status("skipped", None)}
    assert words == set(COLOURS)


def test_title_and_aria_label_name_label_and_status() -> None:
    root = parse(badge_svg("Build & Test", "failing"))
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Build & Test: failing"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Build & Test: failing"


def test_markup_in_names_is_escaped() -> None:
    svg = badge_svg('<script>"x" & y</script>', "passing")
    assert "<script>" not in svg
    root = parse(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == '<script>"x" & y</script>'


def test_width_grows_with_label_and_halves_add_up() -> None:
    short = parse(badge_svg("CI", "passing"))
    long = parse(badge_svg("Continuous integration", "passing"))
    assert int(long.get("width", "0")) > int(short.get("width", "0")) + 100
    left, right, gloss = halves(long)
    assert int(left.get("width", "")) + int(right.get("width", "")) == int(long.get("width", ""))
    assert right.get("x") == left.get("width")
    assert gloss.get("width") == long.get("width")


def test_rounded_corners_and_text_centred_in_each_half() -> None:
    root = parse(badge_svg("deploy", "passing"))
    clip = root.find(f"{SVG}clipPath/{SVG}rect")
    assert clip is not None and clip.get("rx") == "3"
    left, right, _ = halves(root)
    lw, rw = int(left.get("width", "")), int(right.get("width", ""))
    xs = [float(t.get("x", "")) for t in root.iter(f"{SVG}text")]
    assert xs == [lw / 2, lw / 2, lw + rw / 2, lw + rw / 2]


def test_text_width_tracks_wide_and_narrow_letters() -> None:
    assert text_width("mmmm") > text_width("iiii") * 3
    assert text_width("12") == 14.0
    assert text_width("漢") > text_width("a")  # unknown characters are counted wide


@pytest.mark.parametrize(
    ("conclusion", "status", "word"),
    [
        ("success", "completed", "passing"),
        ("failure", "completed", "failing"),
        ("timed_out", "completed", "failing"),
        ("cancelled", "completed", "cancelled"),
        ("skipped", "completed", "skipped"),
        ("neutral", "completed", "no status"),
        (None, "in_progress", "in progress"),
        (None, "waiting", "in progress"),
        (None, None, "no status"),
    ],
)
def test_badge_status(conclusion: str | None, status: str | None, word: str) -> None:
    assert badge_status(conclusion, status) == word
