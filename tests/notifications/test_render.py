"""Rendering the tick's mails: the digest's limit and the Chinese labels of periods (snapshots: test_snapshots.py)."""

from datetime import date

import pytest

from anquan.notifications.render import MailContext, render
from anquan.vocabulary import period_label
from tests.support.mail import mail_item


def test_digest_lists_at_most_a_hundred_and_counts_the_rest():
    items = [mail_item(obligation_id=i) for i in range(130)]
    r = render(MailContext("陈军", "c@q.example", date(2026, 7, 1), items))
    assert r.subject == "【安全生产待办】您有130项事项需要处理"
    assert "另有30项未列出" in r.text and "#99" in r.text and "#100" not in r.text


@pytest.mark.parametrize("period,label", [("2026", "2026年"), ("2026-Q3", "2026年第3季度"), ("2026-03", "2026年3月"),
                                          ("2026-national_day", "2026年国庆节前")])
def test_period_labels(period, label):
    assert period_label(period) == label
