from datetime import date

import pytest

from anquan.errors import CalendarError
from anquan.rules.workcalendar import WorkCalendar

LONG = ["spring_festival", "labour_day", "national_day"]


def test_2026_from_chinese_calendar():
    cal = WorkCalendar(None)
    y = cal.year(2026)
    assert y.source == "chinese-calendar" and not y.provisional
    # 2026-02-14 (Saturday) and 2026-02-28 (Saturday) are adjusted working days.
    assert not cal.is_rest_day(date(2026, 2, 14))
    assert not cal.is_rest_day(date(2026, 2, 28))
    assert cal.is_rest_day(date(2026, 10, 1)) and cal.is_rest_day(date(2026, 2, 17))
    blocks, warnings = cal.long_holidays(2026, LONG)
    assert warnings == []
    got = {b.name: (b.start, b.end) for b in blocks}
    assert got["spring_festival"] == (date(2026, 2, 15), date(2026, 2, 23))
    assert got["labour_day"] == (date(2026, 5, 1), date(2026, 5, 5))
    assert got["national_day"] == (date(2026, 10, 1), date(2026, 10, 7))
    # The last working day before the Spring Festival is the adjusted Saturday.
    assert cal.working_day_before(date(2026, 2, 15)) == date(2026, 2, 14)


def test_unknown_year_is_estimated_and_provisional():
    cal = WorkCalendar(None)
    y = cal.year(2027)
    assert y.provisional and y.source == "estimate"
    assert "no official holiday arrangement" in y.warnings[0]
    assert cal.is_rest_day(date(2027, 1, 2))  # a Saturday
    assert not cal.is_rest_day(date(2027, 10, 1))
    blocks, _ = cal.long_holidays(2027, LONG)
    assert all(b.provisional for b in blocks)
    sf = next(b for b in blocks if b.name == "spring_festival")
    assert sf.start <= date(2027, 2, 5) <= sf.end  # the eve of the lunar new year, 6 Feb 2027


def test_holiday_file_wins_and_drives_rest_days(tmp_path):
    (tmp_path / "2027.yaml").write_text(
        "year: 2027\nsource: test arrangement\n"
        "holidays:\n"
        "  spring_festival: {from: 2027-02-05, to: 2027-02-13}\n"
        "  labour_day: {from: 2027-05-01, to: 2027-05-05}\n"
        "  national_day: {from: 2027-10-01, to: 2027-10-07}\n"
        "workdays: [2027-02-14]\n",
        encoding="utf-8",
    )
    cal = WorkCalendar(tmp_path)
    y = cal.year(2027)
    assert y.source.startswith("file:") and not y.provisional
    assert cal.is_rest_day(date(2027, 2, 8))  # a Monday inside the holiday
    assert not cal.is_rest_day(date(2027, 2, 14))  # adjusted working Sunday
    blocks, warnings = cal.long_holidays(2027, LONG)
    assert warnings == []
    sf = next(b for b in blocks if b.name == "spring_festival")
    assert (sf.start, sf.end) == (date(2027, 2, 5), date(2027, 2, 13))
    assert cal.working_day_before(sf.start) == date(2027, 2, 4)


@pytest.mark.parametrize(
    "body,fragment",
    [
        ("year: 2027\nholidays:\n  christmas: {from: 2027-12-25, to: 2027-12-25}\n", "unknown holiday"),
        ("year: 2027\nholidays:\n  labour_day: {from: 2027-05-05, to: 2027-05-01}\n", "'to' is before 'from'"),
        ("year: 2028\nholidays: {}\n", "says year 2028"),
        ("year: 2027\nholidays: {}\nworkdays: [2026-12-31]\n", "not in 2027"),
    ],
)
def test_bad_holiday_file_is_rejected_with_reason(tmp_path, body, fragment):
    (tmp_path / "2027.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(CalendarError, match=fragment):
        WorkCalendar(tmp_path).year(2027)


def test_next_working_day_rolls_over_holiday():
    cal = WorkCalendar(None)
    assert cal.next_working_day(date(2026, 10, 3)) == date(2026, 10, 8)
    assert cal.next_working_day(date(2026, 10, 8)) == date(2026, 10, 8)
