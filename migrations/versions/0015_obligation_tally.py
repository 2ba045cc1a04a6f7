"""obligation_tally: the year's obligations counted per (year, township, kind, status, due date), kept by triggers

The console's year at a glance counted the year's obligations on every view (6.4 s for a province's
2.4 million); it now reads these counts. Triggers keep them exact in the very statement that changes an
obligation (insert, update of year, subject, kind, status or due date, delete) or moves an organisation to
another township, so no writer can forget them: PostgreSQL with statement-level triggers over the
statement's transition tables (one aggregate per statement, so a plan of 200,000 rows is one upsert of
its few hundred counts), SQLite with row-level triggers. The existing obligations are counted here.

Revision ID: 0015
Revises: 0016 (chained after the migrations that landed first: 0014, 0016)
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0016'
branch_labels = None
depends_on = None

KEY = "year, township_id, kind, status, due_on"
UPSERT = f"ON CONFLICT ({KEY}) DO UPDATE SET n = obligation_tally.n + excluded.n"

# Deltas d(year, subject_org_id, kind, status, due_on, n) counted under the subject's township.
PG_APPLY = f"""
    INSERT INTO obligation_tally ({KEY}, n)
    SELECT d.year, g.township_id, d.kind, d.status, d.due_on, sum(d.n)
    FROM ({{deltas}}) AS d JOIN organisation g ON g.id = d.subject_org_id
    WHERE g.township_id IS NOT NULL
    GROUP BY d.year, g.township_id, d.kind, d.status, d.due_on
    HAVING sum(d.n) <> 0
    {UPSERT};"""
COUNTED = "year, subject_org_id, kind, status, due_on"
# An update's deltas: its old rows taken away, its new rows added, per subject, keeping only what does not cancel
# out. No join of the two transition tables (PostgreSQL planned that as a nested loop: 1.1 s for the tick's
# 2,000-row batches of next_action_on, against 0.15 s without the trigger).
UPDATED = (f"SELECT {COUNTED}, sum(n) AS n FROM (SELECT {COUNTED}, -1 AS n FROM old_rows "
           f"UNION ALL SELECT {COUNTED}, 1 FROM new_rows) AS x GROUP BY {COUNTED} HAVING sum(n) <> 0")

PG_UP = [
    f"""CREATE FUNCTION obligation_tally_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{PG_APPLY.format(deltas=f"SELECT {COUNTED}, 1 AS n FROM new_rows")}
  RETURN NULL;
END $$""",
    f"""CREATE FUNCTION obligation_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{PG_APPLY.format(deltas=f"SELECT {COUNTED}, -1 AS n FROM old_rows")}
  RETURN NULL;
END $$""",
    # Most updates of obligations change none of the counted columns (the tick's next_action_on): then the
    # EXISTS finds every delta cancelled out and nothing is joined to organisation.
    f"""CREATE FUNCTION obligation_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS ({UPDATED}) THEN{PG_APPLY.format(deltas=UPDATED)}
  END IF;
  RETURN NULL;
END $$""",
    f"""CREATE FUNCTION obligation_tally_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO obligation_tally ({KEY}, n)
  SELECT b.year, t.township_id, b.kind, b.status, b.due_on, sum(t.n)
  FROM obligation b CROSS JOIN (VALUES (OLD.township_id, -1), (NEW.township_id, 1)) AS t(township_id, n)
  WHERE b.subject_org_id = NEW.id AND t.township_id IS NOT NULL
  GROUP BY b.year, t.township_id, b.kind, b.status, b.due_on
  {UPSERT};
  RETURN NULL;
END $$""",
    "CREATE TRIGGER obligation_tally_insert AFTER INSERT ON obligation REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION obligation_tally_insert()",
    "CREATE TRIGGER obligation_tally_delete AFTER DELETE ON obligation REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION obligation_tally_delete()",
    "CREATE TRIGGER obligation_tally_update AFTER UPDATE ON obligation "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION obligation_tally_update()",
    "CREATE TRIGGER obligation_tally_move AFTER UPDATE OF township_id ON organisation FOR EACH ROW "
    "WHEN (OLD.township_id IS DISTINCT FROM NEW.township_id) EXECUTE FUNCTION obligation_tally_move()",
]


def _sqlite_row(row: str, sign: str) -> str:
    return (f"INSERT INTO obligation_tally ({KEY}, n) SELECT {row}.year, g.township_id, {row}.kind, {row}.status, "
            f"{row}.due_on, {sign}1 FROM organisation g WHERE g.id = {row}.subject_org_id AND g.township_id IS NOT NULL "
            f"{UPSERT};")


def _sqlite_move(row: str, sign: str) -> str:
    return (f"INSERT INTO obligation_tally ({KEY}, n) SELECT b.year, {row}.township_id, b.kind, b.status, b.due_on, "
            f"{sign}count(*) FROM obligation b WHERE b.subject_org_id = NEW.id AND {row}.township_id IS NOT NULL "
            f"GROUP BY b.year, b.kind, b.status, b.due_on {UPSERT};")


_SQLITE_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COUNTED.split(", "))
SQLITE_UP = [
    f"CREATE TRIGGER obligation_tally_insert AFTER INSERT ON obligation BEGIN {_sqlite_row('NEW', '')} END",
    f"CREATE TRIGGER obligation_tally_delete AFTER DELETE ON obligation BEGIN {_sqlite_row('OLD', '-')} END",
    f"CREATE TRIGGER obligation_tally_update AFTER UPDATE OF {COUNTED} ON obligation WHEN {_SQLITE_CHANGED} "
    f"BEGIN {_sqlite_row('OLD', '-')} {_sqlite_row('NEW', '')} END",
    f"CREATE TRIGGER obligation_tally_move AFTER UPDATE OF township_id ON organisation "
    f"WHEN OLD.township_id IS NOT NEW.township_id BEGIN {_sqlite_move('OLD', '-')} {_sqlite_move('NEW', '')} END",
]

FILL = (f"INSERT INTO obligation_tally ({KEY}, n) SELECT b.year, g.township_id, b.kind, b.status, b.due_on, count(*) "
        f"FROM obligation b JOIN organisation g ON g.id = b.subject_org_id WHERE g.township_id IS NOT NULL "
        f"GROUP BY b.year, g.township_id, b.kind, b.status, b.due_on")
TRIGGERS = [("obligation_tally_insert", "obligation"), ("obligation_tally_delete", "obligation"),
            ("obligation_tally_update", "obligation"), ("obligation_tally_move", "organisation")]


def upgrade() -> None:
    op.create_table('obligation_tally',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', 'township_id', 'kind', 'status', 'due_on')
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # No obligation may change between the count and the triggers taking over.
        op.execute("LOCK TABLE organisation, obligation IN SHARE ROW EXCLUSIVE MODE")
    for statement in PG_UP if bind.dialect.name == "postgresql" else SQLITE_UP:
        op.execute(statement)
    op.execute(FILL)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
        if postgresql:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_table('obligation_tally')
