"""Golden snapshots of every mail template: a wording change shows up as a reviewed diff in tests/testdata/mail/.

Each template is rendered from fixed values (tests/support/mail.py) through production's own render functions.
Regenerate after an intended change with: bash scripts/test tests/notifications/test_snapshots.py --update-snapshots
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anquan.resources import templates_dir
from tests.support.mail import case_names, render_case, snapshot_text

SNAPSHOTS = Path(__file__).resolve().parent.parent / "testdata" / "mail"


def _templates() -> set[str]:
    """The mail kinds in templates/mail/: every <kind>.subject.j2 (partials start with an underscore)."""
    return {p.name.removesuffix(".subject.j2") for p in (templates_dir("mail")).glob("*.subject.j2")}


@pytest.mark.parametrize("name", case_names())
def test_rendered_mail_matches_snapshot(name, update_snapshots):
    r = render_case(name)
    got = snapshot_text(r)
    path = SNAPSHOTS / f"{name}.txt"
    if update_snapshots:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no snapshot {path}; create it with --update-snapshots"
    assert got == path.read_text(encoding="utf-8")
    assert r.template == name


def test_every_mail_template_has_a_case_and_a_snapshot():
    kinds = _templates()
    assert len(kinds) >= 17
    assert kinds == set(case_names()), "add fixed values for the new template to tests/support/mail.py"
    assert {p.stem for p in SNAPSHOTS.glob("*.txt")} == kinds, "every template needs a snapshot: --update-snapshots"


def test_every_template_has_subject_text_and_html():
    folder = templates_dir("mail")
    for kind in _templates():
        for part in ("subject", "txt", "html"):
            assert (folder / f"{kind}.{part}.j2").is_file(), f"{kind}.{part}.j2 is missing"


@pytest.mark.parametrize("name", case_names())
def test_every_mail_salutes_as_the_book_does(name):
    """One salutation for every mail (templates/mail/_salutation): the post at its organisation, the name, 同志 —
    "石门镇镇长 李明同志：", never "李明（乡镇长）："."""
    folder = templates_dir("mail")
    for part in ("txt", "html"):
        assert f'{{% include "_salutation.{part}.j2" %}}' in (folder / f"{name}.{part}.j2").read_text(encoding="utf-8")
    r = render_case(name)
    first = r.text.lstrip("\n").splitlines()[0]
    assert re.fullmatch(r"(青岚县|石门镇|青岚县石门)\S*(长|办|人) \S{2,3}同志：", first), first
    assert f"<p>{first}</p>" in r.html
