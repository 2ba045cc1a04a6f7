"""Every mail's HTML, as a phone shows it: Chromium at 390 px wide, nothing wider than the screen.

The personal link in the answer block ("如何回复") is one long word; unbroken, it ran out of the box and made
the whole mail scroll sideways. Screenshots go to tests/artifacts/mail-<name>-390.png for review.
"""

from __future__ import annotations

import pytest

from tests.support.mail import case_names, render_case
from tests.web.conftest import ARTIFACTS


def test_every_mail_fits_a_phone_screen(chromium):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN")
    too_wide = {}
    for name in case_names():
        html = render_case(name).html
        assert "https://" in html, f"{name}: the case carries no personal link to check"
        page.set_content(html)
        page.screenshot(path=str(ARTIFACTS / f"mail-{name}-390.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        link = page.evaluate("Math.max(...[...document.querySelectorAll('a')].map(a => a.getBoundingClientRect().right))")
        if width > 390 or link > 390:
            too_wide[name] = (width, link)
    page.close()
    assert too_wide == {}, f"wider than the phone (page, rightmost link) in px: {too_wide}"


@pytest.mark.parametrize("name", ["reminder", "accident", "baseline"])
def test_the_answer_link_wraps_inside_its_box(chromium, name):
    page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN")
    page.set_content(render_case(name).html)
    box = page.evaluate("""() => {
        const a = [...document.querySelectorAll('a')].find(a => a.href.includes('/l/'));
        const div = a.closest('div').getBoundingClientRect(), r = a.getBoundingClientRect();
        return {right: r.right, box: div.right, lines: a.getClientRects().length};
    }""")
    page.close()
    assert box["right"] <= box["box"] and box["lines"] >= 2, box
