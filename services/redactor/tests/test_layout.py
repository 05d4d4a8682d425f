"""Layout rules on hand-made lines: joining hyphenated lines, paragraphs, columns, running headers, headings, blobs."""

from __future__ import annotations

from services.redactor import layout
from services.redactor.layout import Line, PageFrame, TextBlock


def line(text, y, x=72.0, width=None, size=10.0, bold=False, page=1, block=0, upright=True):
    width = width if width is not None else len(text) * size * 0.5
    box = (x, y, x + width, y + size * 1.2)
    return Line(page=page, block=block, bbox=box, box=box, text=text, size=size, bold=bold, font="Helvetica",
                upright=upright)


def test_a_word_hyphenated_at_a_line_end_is_joined_and_a_compound_keeps_its_hyphen():
    assert layout.join_lines(["the hyper-", "tension was"]) == "the hypertension was"
    assert layout.join_lines(["Mrs. Smith-", "Jones called"]) == "Mrs. Smith-Jones called"
    assert layout.join_lines(["call 555-123-", "4567 today"]) == "call 555-123-4567 today"
    assert layout.join_lines(["one", "two"]) == "one two"


def test_when_key_value_lines_share_a_block_then_each_is_its_own_paragraph():
    frame = PageFrame(1, 612, 792, [
        line("This is a long body line that fills the whole measure of the column nicely", 100, width=468),
        line("Patient Name: Maria Gonzalez", 140, width=150),
        line("Date of Birth: 04/12/1951", 153, width=130),
        line("Phone: (217) 555-0143", 166, width=120),
    ])
    for ln in frame.lines[1:]:
        ln.block = 1
    paragraphs = layout.paragraphs_of(frame)
    assert [p.text for p in paragraphs][1:] == ["Patient Name: Maria Gonzalez", "Date of Birth: 04/12/1951",
                                                "Phone: (217) 555-0143"]


def test_when_lines_wrap_then_they_stay_one_paragraph():
    frame = PageFrame(1, 612, 792, [
        line("The patient was admitted with shortness of breath and progressive", 100, width=466),
        line("leg swelling over two weeks.", 113, width=180),
    ])
    assert [p.text for p in layout.paragraphs_of(frame)] == [
        "The patient was admitted with shortness of breath and progressive leg swelling over two weeks."]


def test_a_number_cut_by_the_wrap_stays_in_its_paragraph_but_list_items_are_their_own():
    wrapped = PageFrame(1, 612, 792, [
        line("Registered address and mobile on file: Klyveren 53, DK-1004 Stokkemarke; +45 29 90 89", 100,
             width=466),
        line("88. Update them under Settings if they have changed.", 113, width=300),
    ])
    assert [p.text for p in layout.paragraphs_of(wrapped)] == [
        "Registered address and mobile on file: Klyveren 53, DK-1004 Stokkemarke; +45 29 90 89 88. "
        "Update them under Settings if they have changed."]
    items = PageFrame(1, 612, 792, [
        line("1. Metoprolol 25 mg twice daily, to be taken with food in the morning and the", 100, width=466),
        line("2. Aspirin 81 mg daily", 113, width=140),
    ])
    assert len(layout.paragraphs_of(items)) == 2
    short = PageFrame(1, 612, 792, [line("A body line as wide as the measure of this page's column of text", 60,
                                         width=466),
                                    line("Allergies: none", 100, width=90), line("3. Plan as below", 113, width=100)])
    assert [p.text for p in layout.paragraphs_of(short)][1:] == ["Allergies: none", "3. Plan as below"]


def test_two_columns_are_read_left_column_first():
    frame = PageFrame(1, 612, 792, [
        line("Full width heading across the page", 60, width=470),
        line("left one", 100, width=200, block=1), line("right one", 100, x=320, width=200, block=2),
        line("left two", 150, width=200, block=3), line("right two", 150, x=320, width=200, block=4),
    ])
    ordered = layout.reading_order(layout.paragraphs_of(frame), frame)
    assert [p.text for p in ordered] == ["Full width heading across the page", "left one", "left two",
                                         "right one", "right two"]
    assert [p.column for p in ordered] == ["full", "left", "left", "right", "right"]


def test_lines_repeating_at_the_page_edges_are_running_headers_and_footers():
    pages = []
    for n in (1, 2, 3):
        pages.append(PageFrame(n, 612, 792, [
            line("Patient: Maria Gonzalez  MRN 12345678", 30, page=n),
            line(f"Body text that differs on page {n}", 300, page=n),
            line(f"Mercy Hospital - Page {n} of 3", 760, page=n),
        ]))
    layout.mark_running(pages)
    assert [ln.role for f in pages for ln in f.lines] == ["header", "body", "footer"] * 3


def test_a_single_page_has_no_running_header():
    frame = PageFrame(1, 612, 792, [line("Patient: Maria Gonzalez", 30)])
    layout.mark_running([frame])
    assert frame.lines[0].role == "body"


def _paragraph(text, size=10.0, bold=False, gap=20.0, lines=1):
    p = TextBlock(1, [line(text, 100 + i * 12, size=size, bold=bold) for i in range(lines)])
    p.gap_above = gap
    return p


def test_headings_are_told_apart_by_size_weight_capitals_and_numbering_against_the_body():
    body = layout.BodyStyle(size=10.0, bold=False, line_height=12.0)
    assert layout._is_heading(_paragraph("Discharge Summary", size=16, bold=True), body)
    assert layout._is_heading(_paragraph("Hospital Course", bold=True), body)
    assert layout._is_heading(_paragraph("FINDINGS:", gap=15), body)
    assert layout._is_heading(_paragraph("3. Assessment and Plan", gap=15), body)
    # A numbered list item tight under the line before is not a heading; nor is a sentence.
    assert not layout._is_heading(_paragraph("3. Take furosemide daily", gap=1), body)
    assert not layout._is_heading(_paragraph("The patient is stable.", bold=True), body)
    assert not layout._is_heading(_paragraph("Plain body text of a paragraph"), body)


def test_when_the_body_is_bold_then_bold_alone_makes_no_heading():
    body = layout.BodyStyle(size=10.0, bold=True, line_height=12.0)
    assert not layout._is_heading(_paragraph("Hospital Course", bold=True, gap=2), body)


def test_blobs_start_at_headings_and_depflag_means_same_blob_as_the_previous_paragraph():
    ps = [_paragraph("Intro text"), _paragraph("1. History", bold=True), _paragraph("Body a"),
          _paragraph("Body b"), _paragraph("2. Plan", bold=True), _paragraph("Body c")]
    for p, heading in zip(ps, [False, True, False, False, True, False]):
        p.heading = heading
    header = TextBlock(1, [line("Patient: X", 30)], role="header")
    footer = TextBlock(1, [line("Page 1", 760)], role="footer")
    ordered = layout.assign_blobs(ps, [header, footer])
    assert [p.blob_id for p in ordered] == [0, 1, 1, 1, 2, 2, 3, 4]
    assert [p.dep_flag for p in ordered] == [False, False, True, True, False, True, False, False]
    for prev, cur in zip(ordered, ordered[1:]):
        assert cur.dep_flag == (cur.blob_id == prev.blob_id)
