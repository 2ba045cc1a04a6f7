"""Rendering the tick's mails: the Chinese labels of periods (the digest: test_digest.py; snapshots: test_snapshots.py)."""

import pytest

from anquan.vocabulary import period_label


@pytest.mark.parametrize("period,label", [("2026", "2026年"), ("2026-Q3", "2026年第3季度"), ("2026-03", "2026年3月"),
                                          ("2026-national_day", "2026年国庆节前")])
def test_period_labels(period, label):
    assert period_label(period) == label
