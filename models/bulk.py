"""Bulk SQL helpers shared by the directory import, the tick and planning: one copy each.

Each takes the table (a SQLAlchemy Table or an SQLModel class) and plain rows; none loads ORM objects.
"""

from __future__ import annotations

from sqlalchemy import Table, bindparam, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def _table(table) -> Table:
    return table if isinstance(table, Table) else table.__table__


def update_by_id(session: Session, table, rows: list[dict]) -> None:
    """UPDATE many rows by id; each row holds 'id' and the new values (the same columns in every row).

    On PostgreSQL one statement joins the table to unnest()ed arrays, one array per column: psycopg's
    executemany still sends a statement per row, and at a province's month end that was a third of the
    tick's SQL time. Elsewhere one executemany.
    """
    if not rows:
        return
    t = _table(table)
    columns = [k for k in rows[0] if k != "id"]
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        casts = ", ".join(
            f"CAST(:v{i} AS {t.c[c].type.compile(dialect=conn.dialect)}[])" for i, c in enumerate(columns)
        )
        sets = ", ".join(f'"{c}" = v."{c}"' for c in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        params = {"ids": [r["id"] for r in rows]}
        params.update({f"v{i}": [r[c] for r in rows] for i, c in enumerate(columns)})
        conn.execute(
            text(f'UPDATE "{t.name}" SET {sets} FROM unnest(CAST(:ids AS integer[]), {casts}) AS v(id, {names}) '
                 f'WHERE "{t.name}".id = v.id'),
            params,
        )
        return
    stmt = update(t).where(t.c.id == bindparam("b_id")).values({c: bindparam(f"b_{c}") for c in columns})
    conn.execute(stmt, [{f"b_{k}": v for k, v in r.items()} for r in rows])


def insert_ignoring_conflicts(session: Session, table, select_stmt, columns: list[str], *, conflict_on: list[str]):
    """INSERT INTO table (columns) SELECT ... ON CONFLICT (conflict_on) DO NOTHING; the result keeps its rowcount."""
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_fn(_table(table)).from_select(columns, select_stmt).on_conflict_do_nothing(index_elements=conflict_on)
    # rowcount of an INSERT is only kept on request (SQLAlchemy 2.x).
    return session.connection().execute(stmt.execution_options(preserve_rowcount=True))
