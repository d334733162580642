"""Coalescing of autosaves and line diffs: pure rules."""

from datetime import datetime, timedelta

from webapp.services.blocks.revisions import line_diff, should_seal_draft

START = datetime(2026, 11, 23, 10, 0, 0)


def test_autosaves_inside_the_window_coalesce():
    assert not should_seal_draft(START, START + timedelta(seconds=5), 600)
    assert not should_seal_draft(START, START + timedelta(seconds=599), 600)


def test_the_draft_is_sealed_once_the_window_has_passed():
    assert should_seal_draft(START, START + timedelta(seconds=600), 600)
    assert should_seal_draft(START, START + timedelta(hours=3), 600)


def test_line_diff_marks_added_and_removed_lines_in_order():
    diff = line_diff("ett\ntvå\ntre", "ett\nTVÅ\ntre\nfyra")
    assert [(line.kind, line.text) for line in diff] == [
        ("same", "ett"),
        ("removed", "två"),
        ("added", "TVÅ"),
        ("same", "tre"),
        ("added", "fyra"),
    ]


def test_line_diff_of_first_version_is_all_added():
    assert [line.kind for line in line_diff("", "a\nb")] == ["added", "added"]
