"""The words of the domain, in one place: obligation kinds, periods, roles, sectors, holidays.

config/cycle.yaml says which obligation kinds exist; the constants here name the
few that code treats specially (the duty report, the monthly risk analysis, the
kinds that events open). A period is the string an obligation carries
("2026", "2026-Q2", "2026-03", "2026-spring_festival", "campaign-3",
"2026-hazard-4", "2026-event-2"): `parse_period` reads it into a `Period`, the
`*_period` functions write it, and `period_label` gives its Chinese name as
mail, documents and tables print it. Every Chinese label of a role, a sector, a
holiday or an alert kind lives here too, so a wording is changed once.

A floor module: it imports only `anquan.models` (and SQLAlchemy for the one
query that names event periods), never the notifications or the domain above.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from anquan.models.directory import Role, Sector
from anquan.models.records import AccidentKind, AlertKind, Campaign, Hazard, MajorEvent

# -- obligation kinds that code treats specially -----------------------------------------------

BOOK_SIGNING = "book_signing"
QUARTERLY_MEETING = "quarterly_meeting"
QUARTERLY_INSPECTION = "quarterly_inspection"
HOLIDAY_INSPECTION = "holiday_inspection"
MONTHLY_RISK_ANALYSIS = "monthly_risk_analysis"
MIDYEAR_REPORT = "midyear_report"
ANNUAL_REPORT = "annual_report"
COUNTY_SUPERVISION = "county_supervision"
ANNUAL_ASSESSMENT = "annual_assessment"
HAZARD_RECTIFICATION = "hazard_rectification"
HAZARD_EVALUATION = "hazard_evaluation"
EVENT_INSPECTION = "event_inspection"
CAMPAIGN_TASK = "campaign_task"

# The duty reports (履职报告书) a township head writes, and the span each covers.
REPORT_KINDS = (MIDYEAR_REPORT, ANNUAL_REPORT)

# -- roles, sectors, holidays, record kinds --------------------------------------------------

ROLE_LABELS = {
    Role.county_office.value: "县安委办",
    Role.county_inspector.value: "县督查组",
    Role.county_head.value: "县长",
    Role.township_head.value: "乡镇长",
    Role.deputy_head_safety.value: "分管安全副乡镇长",
    Role.safety_office.value: "乡镇安监办",
    Role.township_leader.value: "乡镇领导班子成员",
    Role.village_safety_officer.value: "村兼职安全员",
    Role.village_head.value: "村委会主任",
    Role.unit_head.value: "单位负责人",
    Role.enterprise_principal.value: "企业主要负责人",
    Role.enterprise_safety_manager.value: "企业安全管理人员",
}

SECTOR_LABELS = {
    Sector.non_coal_mining.value: "非煤矿山", Sector.water_transport.value: "水上交通",
    Sector.road_transport.value: "道路交通", Sector.crowded_places.value: "人员密集场所消防",
    Sector.construction.value: "建筑施工", Sector.fireworks.value: "烟花爆竹",
    Sector.hazardous_chemicals.value: "危险化学品", Sector.other.value: "其他行业",
}

# The official holidays, in the order of the year; the names are the keys of a holiday file.
HOLIDAY_LABELS = {
    "new_years_day": "元旦", "spring_festival": "春节", "tomb_sweeping_day": "清明节", "labour_day": "劳动节",
    "dragon_boat_festival": "端午节", "mid_autumn_festival": "中秋节", "national_day": "国庆节",
}
HOLIDAY_NAMES = tuple(HOLIDAY_LABELS)

ALERT_KIND_LABELS = {AlertKind.warning_sign.value: "事故征兆", AlertKind.major_hazard_source.value: "重大危险源"}
ACCIDENT_KIND_LABELS = {AccidentKind.road_traffic.value: "道路交通", AccidentKind.other.value: "道路交通以外行业"}


def report_span_label(kind: str) -> str:
    """半年 for the mid-year duty report, 全年 for the annual one."""
    return "半年" if kind == MIDYEAR_REPORT else "全年"


def accident_kind_label(kind: str) -> str:
    """道路交通 for a road traffic accident; any other reads as 道路交通以外行业 (the book's two lines)."""
    return ACCIDENT_KIND_LABELS[AccidentKind.road_traffic.value if kind == AccidentKind.road_traffic.value
                                else AccidentKind.other.value]


def role_label(role: str | None) -> str | None:
    """The Chinese name of a role; an unknown role reads as itself."""
    return ROLE_LABELS.get(role, role) if role else role


def role_title(role: str | None, org_name: str | None = None) -> str:
    """How a mail addresses the holder of a role at an organisation: 石门镇镇长, 青峰乡分管安全副乡长, 青岚县安委办.

    A township's own word (乡 or 镇, the last character of its name) replaces the generic 乡镇, and the
    organisation's name replaces the level word (县, 村, 企业, 单位); without an organisation the label stands.
    """
    label = role_label(role) or ""
    if not org_name:
        return label
    if label.startswith("乡镇") and not label.startswith("乡镇长"):
        return org_name + label[2:]
    if "乡镇" in label:
        return org_name + label.replace("乡镇", org_name[-1] if org_name[-1] in "乡镇" else "乡镇")
    for level in ("县", "村", "企业", "单位"):
        if label.startswith(level):
            return org_name + label[len(level):]
    return org_name + label


def in_township_words(text: str, township_name: str | None) -> str:
    """A rule's generic 乡镇长 in the township's own word: 由乡镇长主持 → 由镇长主持 for 石门镇, 由乡长主持 for 青峰乡."""
    if not township_name or township_name[-1] not in "乡镇":
        return text
    return text.replace("乡镇长", township_name[-1] + "长")


def sector_label(sector: str | None) -> str:
    """The Chinese name of a sector; no sector reads as 其他行业."""
    return SECTOR_LABELS.get(sector or Sector.other.value, sector or "")


# -- periods ------------------------------------------------------------------------------------

EVENT_PERIOD = re.compile(r"^(?:(\d{4})-)?(campaign|hazard|event)-(\d+)$")
EVENT_UNITS = ("campaign", "hazard", "event")


@dataclass(frozen=True)
class Period:
    """A period string read into its parts.

    unit is year, quarter, month, holiday, or for periods that events made campaign, hazard, event;
    number is the quarter, the month or the event's id; holiday the holiday's name.
    year is None only for a campaign's period (campaigns may run across a year's end).
    """

    text: str
    unit: str
    year: int | None
    number: int | None = None
    holiday: str | None = None

    @property
    def is_event(self) -> bool:
        return self.unit in EVENT_UNITS

    @property
    def label(self) -> str:
        """The Chinese name: 2026年, 2026年第2季度, 2026年3月, 2026年春节前; events by number (专项整治第3号)."""
        if self.unit == "campaign":
            return f"专项整治第{self.number}号"
        if self.unit == "hazard":
            return f"{self.year}年挂牌督办隐患第{self.number}号"
        if self.unit == "event":
            return f"{self.year}年重大活动第{self.number}号前"
        if self.unit == "quarter":
            return f"{self.year}年第{self.number}季度"
        if self.unit == "month":
            return f"{self.year}年{self.number}月"
        if self.unit == "holiday":
            return f"{self.year}年{HOLIDAY_LABELS.get(self.holiday, self.holiday)}前"
        return f"{self.year}年"


def parse_period(text: str) -> Period:
    """The Period a period string names; ValueError if it is not one."""
    m = EVENT_PERIOD.match(text)
    if m:
        year, unit, n = m.groups()
        return Period(text, unit, int(year) if year else None, int(n))
    year, dash, rest = text.partition("-")
    if not (len(year) == 4 and year.isdigit()) or (dash and not rest):
        raise ValueError(f"{text!r} is not a period")
    if not rest:
        return Period(text, "year", int(year))
    if len(rest) == 2 and rest[0] == "Q" and rest[1] in "1234":
        return Period(text, "quarter", int(year), int(rest[1]))
    if len(rest) == 2 and rest.isdigit() and 1 <= int(rest) <= 12:
        return Period(text, "month", int(year), int(rest))
    if re.fullmatch(r"[a-z][a-z_]*", rest):
        return Period(text, "holiday", int(year), holiday=rest)
    raise ValueError(f"{text!r} is not a period")


def period_label(period: str) -> str:
    """2026 -> 2026年; 2026-Q2 -> 2026年第2季度; 2026-03 -> 2026年3月; 2026-national_day -> 2026年国庆节前.

    Obligations made by events read by number here (campaign-3 -> 专项整治第3号); mail names
    them (event_period_labels) where it can. A string that is no period reads as itself.
    """
    try:
        return parse_period(period).label
    except ValueError:
        return period


def duty_name(title: str, period: str, label: str | None = None) -> str:
    """How prose names one duty: 2026年第2季度安全生产工作会议, 2026年春节前安全专项检查, 专项整治工作总结（“…”专项整治）.

    A calendar period leads (its 季度 or 节日长假前 not repeated by the title); an event's duty carries the event's
    name (`label`, from event_period_labels) or its number in brackets.
    """
    try:
        p = parse_period(period)
    except ValueError:
        return f"{title}（{label or period}）"
    if p.is_event:
        return f"{title}（{label or p.label}）"
    if p.unit == "quarter":
        return p.label + title.removeprefix("季度")
    if p.unit == "holiday":
        return p.label + title.removeprefix("节日长假前")
    return p.label + title


def is_event_period(period: str) -> bool:
    return EVENT_PERIOD.match(period) is not None


def year_period(year: int) -> str:
    return str(year)


def quarter_period(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def month_period(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def holiday_period(year: int, holiday: str) -> str:
    return f"{year}-{holiday}"


def campaign_period(campaign_id: int) -> str:
    return f"campaign-{campaign_id}"


def hazard_period(year: int, hazard_id: int) -> str:
    return f"{year}-hazard-{hazard_id}"


def event_period(year: int, event_id: int) -> str:
    return f"{year}-event-{event_id}"


def _short(text: str, n: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def event_period_labels(session: Session, periods: Iterable[str]) -> dict[str, str]:
    """{period: label} for the event-made periods among `periods`, by the event's own name; others are left out."""
    wanted: dict[str, dict[int, str]] = {unit: {} for unit in EVENT_UNITS}
    for p in set(periods):
        m = EVENT_PERIOD.match(p)
        if m:
            wanted[m.group(2)][int(m.group(3))] = p
    labels: dict[str, str] = {}
    if wanted["campaign"]:
        for cid, name in session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(wanted["campaign"]))):
            labels[wanted["campaign"][cid]] = f"“{name}”" if name.endswith("专项整治") else f"“{name}”专项整治"
    if wanted["hazard"]:
        for hid, year, desc in session.execute(
            select(Hazard.id, Hazard.year, Hazard.description).where(Hazard.id.in_(wanted["hazard"]))
        ):
            labels[wanted["hazard"][hid]] = f"{year}年挂牌督办隐患：{_short(desc)}"
    if wanted["event"]:
        for eid, name in session.execute(select(MajorEvent.id, MajorEvent.name).where(MajorEvent.id.in_(wanted["event"]))):
            labels[wanted["event"][eid]] = f"{name}前"
    return labels
