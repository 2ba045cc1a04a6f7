"""Rendering the tick's mails: the Chinese labels of periods (the digest: test_digest.py; snapshots: test_snapshots.py)."""

import pytest

from anquan.vocabulary import period_label


@pytest.mark.parametrize("period,label", [("2026", "2026年"), ("2026-Q3", "2026年第3季度"), ("2026-03", "2026年3月"),
                                          ("2026-national_day", "2026年国庆节前")])
def test_period_labels(period, label):
    assert period_label(period) == label


def test_without_a_link_the_footer_asks_for_what_officials_can_see_not_an_item_number():
    """Officials never see an item's number, so the footer without a personal link cannot ask for one."""
    from anquan.notifications.render import Answer, environment

    env = environment()
    for part in ("txt", "html"):
        told = env.get_template(f"_answer.{part}.j2").render(a=Answer(office_contact="赵强"))
        assert "编号" not in told and "注明单位、事项和期间" in told and "请联系县安委办赵强" in told
        own = env.get_template(f"_answer.{part}.j2").render(a=Answer(office_contact="赵强", own_office=True))
        assert "请在系统中记录办理结果" in own and "赵强" not in own
