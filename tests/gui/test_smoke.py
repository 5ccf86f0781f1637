from __future__ import annotations


def test_demo_window_opens(window):
    assert window.site_model.rowCount() == 12
    assert window.case_tree.topLevelItemCount() == 2  # "All sites" and the demo case
