"""What an official reads, scanned over every golden snapshot (issue 11): Chinese only, no internal codes.

No generic 乡(镇) placeholder, no ISO date, no underscore identifier, no English word (addresses, phone numbers
and links aside), no half-width punctuation between Chinese characters, no template syntax left unrendered.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).resolve().parent.parent / "testdata" / "mail"
HAN = r"[\u4e00-\u9fff]"

_TAG = re.compile(r"<[^>]*>")  # HTML tags and their attributes
# What may be Latin in a mail: an address, a link, a phone number, the MIME and HTML scaffolding.
_ALLOWED = [
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # mail addresses
    re.compile(r"(https?|tel|mailto):[^\s\"'<>）]+"),  # links
    re.compile(r"\b0\d{2,3}-\d{3,4}[ -]?\d{3,4}\b|\b1\d{10}\b"),  # phone numbers, written as people write them
    re.compile(r"&[a-z]+;"),  # HTML entities
    re.compile(r"^Subject: ", re.M),  # the snapshot's own header
    re.compile(r"^----- html -----$", re.M),
    re.compile(r"\.xlsx|\.docx|\.pdf"),  # attached file names
]


def _prose(text: str) -> str:
    text = _TAG.sub("", text)  # a tag is no word: "为<strong>4</strong>" reads "为4"
    for pattern in _ALLOWED:
        text = pattern.sub(" ", text)
    return text


def _snapshots() -> list[Path]:
    return sorted(SNAPSHOTS.glob("*.txt"))


def _problems(text: str) -> list[str]:
    prose = _prose(text)
    found = []
    if "乡(镇)" in text or "乡（镇）" in text:
        found.append("乡(镇) placeholder")
    found += [f"ISO date {m}" for m in re.findall(r"\d{4}-\d{2}-\d{2}", text)]
    found += [f"identifier {m}" for m in re.findall(r"\b[a-z]+_[a-z_]+\b", prose)]
    found += [f"English {m}" for m in re.findall(r"[A-Za-z]{2,}", prose)]
    found += [f"half-width {m!r}" for m in re.findall(HAN + r"[,;:!?()]|[,;:!?()]" + HAN, prose)]
    found += [f"space around a number {m!r}" for m in re.findall(HAN + r" \d+|\d+ " + HAN, prose)]
    found += [f"internal id {m}" for m in re.findall(r"#\d+", prose)]
    found += [f"template syntax {m}" for m in re.findall(r"\{\{|\{%|%\}|\}\}", text)]
    # A post is named at its organisation (石门镇镇长, 青岚县安委办), never by the generic label of the role list.
    found += [f"generic post {m}" for m in re.findall(r"乡镇(?:长|安监办|领导班子成员)|副乡镇长|（县(?:安委办|督查组)）", prose)]
    return found


PRODUCT_NAME = "English Anquan"  # what the scan reports for the product's English name


@pytest.mark.parametrize("path", _snapshots(), ids=lambda p: p.stem)
def test_snapshot_reads_as_chinese_for_officials(path):
    assert _problems(path.read_text(encoding="utf-8")) == []


def test_no_snapshot_names_the_product_in_english():
    assert not [p.stem for p in _snapshots() if PRODUCT_NAME in _problems(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("bad", ["朱爱英（乡(镇)长）", "截止2026-02-28", "期间2026-spring_festival", "Anquan 系统",
                                 "已逾期 303 天", "事故#5", "单位(QL01)：", "{{ name }}",
                                 "本应发送给乡镇安监办", "李明（乡镇长）：", "赵强（县安委办）"])
def test_the_scan_catches_what_issue_11_found(bad):
    assert _problems(f"石门镇{bad}石门镇") != []


def test_the_scan_lets_addresses_links_and_phones_through():
    assert _problems("请联系王芳，电话13800000001，邮箱wang.fang@qinglan.example，链接https://aq.example/m/abc_def。") == []
