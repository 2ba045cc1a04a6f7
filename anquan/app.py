"""What every entry point needs: settings, the engine with a current schema, the rules and the calendar.

The command line, the Prefect flows and the tests build an ``App`` the same way.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import Engine

from anquan.rules.cycle import CycleRules, load_rules
from anquan.rules.workcalendar import WorkCalendar
from anquan.models.db import ensure_current, make_engine, session_scope
from anquan.models.settings import Settings, load_settings
from anquan.notifications.outbox import MailSettings


@dataclass
class App:
    settings: Settings = field(default_factory=load_settings)
    _schema_checked: bool = field(default=False, init=False, repr=False)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings)

    def session(self, *, checked: bool = True):
        """The unit of work: `with app.session() as s:` commits on success, rolls back on any error.

        `checked` first makes sure the schema is current (SchemaNotCurrent otherwise). Mail queued in it
        carries each recipient's personal link and whom to call (anquan.directory.links.Answers)."""
        return self._session_with_answers(checked)

    @contextmanager
    def _session_with_answers(self, checked: bool):
        from anquan.notifications.links import Answers
        from anquan.notifications.render import ANSWERS_KEY

        with session_scope(self.checked_engine() if checked else self.engine) as s:
            s.info[ANSWERS_KEY] = Answers(settings=self.settings, session=s)
            yield s

    def checked_engine(self) -> Engine:
        """The engine, after making sure the schema is current (else SchemaNotCurrent).

        Checked once per App: a use case opens a unit of work per call, and a simulated year makes thousands."""
        if not self._schema_checked:
            ensure_current(self.engine)
            self._schema_checked = True
        return self.engine

    @cached_property
    def rules(self) -> CycleRules:
        return load_rules(self.settings.cycle_file)

    @cached_property
    def rubric(self):
        from anquan.rules.rubric import load_rubric

        return load_rubric(self.settings.rubric_file)

    def mail(self):
        return MailSettings(mail_from=self.settings.mail_from, tz=self.settings.tz)

    @cached_property
    def calendar(self) -> WorkCalendar:
        return WorkCalendar(self.settings.holidays_dir)

    def today(self) -> date:
        """Today in the county's time zone."""
        return datetime.now(self.settings.tz).date()

    def now(self) -> datetime:
        """This moment in the county's time zone: the date of a mail about something recorded now."""
        return datetime.now(self.settings.tz)
