"""Set-based upsert through PostgreSQL COPY, with Django's bulk_create as the fallback on other databases.

Why: for the national FINESS file (~95,000 rows) ``bulk_create`` spends most of its time in Python, building model
instances, compiling a multi-row INSERT and quoting every parameter. Streaming the rows with COPY into a temporary
table and merging them with one ``INSERT … SELECT … ON CONFLICT`` keeps the import close to the cost of a raw COPY.
The SQLite demo database goes through ``bulk_create`` with the same semantics.
"""

import datetime
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.utils import timezone

BATCH_SIZE = 2000
# Rows formatted and sent per COPY write (bounds the memory of one chunk of text).
COPY_CHUNK = 10_000
# COPY text format escapes (PostgreSQL "COPY", section "Text Format").
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_NULL = "\\N"


def _copy_value(value: Any) -> str:
    """One value in COPY's text format, as psycopg's ``write_row`` sends it."""
    if value is None:
        return _COPY_NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.date):  # datetime included; PostgreSQL reads ISO 8601 with its offset
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _copy_column(values: Sequence[Any]) -> Sequence[str]:
    """A whole column in COPY's text format, in C wherever the column allows it.

    Why by column: the national FINESS import sends ~95,000 rows of 17 columns; formatting value by value (psycopg's
    ``write_row``) is one of the largest per-row costs. Most columns are text without any character COPY escapes,
    which one ``join`` and four ``in`` tests over the whole column prove; such a column is sent as it is. Ids,
    dates and timestamps repeat (departments, categories, the load's timestamp): each distinct value is formatted
    once. A column mixing types (``True`` and ``1`` are equal keys) is formatted value by value.
    """
    try:
        joined = "".join(values)  # refuses anything but text (str subclasses such as TextChoices included)
    except TypeError:
        pass
    else:
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            return [value.translate(_COPY_ESCAPES) for value in values]
        return values
    types = set(map(type, values))
    if len(types - {type(None)}) == 1:  # one type (and NULLs): format each distinct value once, then map in C
        try:
            text = {value: _copy_value(value) for value in set(values)}
        except TypeError:  # unhashable values
            pass
        else:
            return list(map(text.__getitem__, values))
    return [_copy_value(value) for value in values]


def copy_text(rows: Sequence[Sequence[Any]]) -> str:
    """``rows`` (tuples of Python values, one per column) as the text of ``COPY … FROM STDIN`` (text format)."""
    if not rows:
        return ""
    columns = [_copy_column(column) for column in zip(*rows, strict=True)]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def _defaults(model: type[models.Model]) -> dict[str, Any]:
    now = timezone.now()
    defaults: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:
            defaults[field.attname] = field.get_default()  # "" for text fields without a default, as Django does
    return defaults


def upsert(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    conflict_field: str,
    update_fields: Sequence[str] = (),
    all_new: bool = False,
) -> None:
    """Insert ``rows`` (dicts keyed by attname); on a ``conflict_field`` clash update ``update_fields`` or skip.

    ``all_new``: the caller has just checked, in the same transaction, that none of the rows exists; on PostgreSQL
    they are then copied straight into the table (a concurrent insert of the same key fails the whole transaction
    on the unique index, it never duplicates).
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        if update_fields:
            model._default_manager.bulk_create(
                objs,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=[conflict_field],
                update_fields=list(update_fields),
            )
        else:
            model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE, ignore_conflicts=True)
        return

    defaults = _defaults(model)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    temp = quote(f"tmp_{model._meta.db_table}")
    columns = ", ".join(quote(field.column) for field in fields)
    columns_by_name = {field.name: field.column for field in fields}
    if update_fields:
        assignments = ", ".join(
            f"{quote(columns_by_name[name])} = EXCLUDED.{quote(columns_by_name[name])}" for name in update_fields
        )
        on_conflict = f"DO UPDATE SET {assignments}"
    else:
        on_conflict = "DO NOTHING"
    # One C-level pick per row of the values in column order, the defaults filling what the row lacks.
    pick = itemgetter(*(field.attname for field in fields))
    # Identifiers below come from the model's metadata and are quoted: no user input reaches the SQL text.
    with connection.cursor() as cursor:
        if all_new:
            _copy_rows(cursor, f"COPY {table} ({columns}) FROM STDIN", rows, pick, defaults)
            return
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA")  # noqa: S608
        _copy_rows(cursor, f"COPY {temp} ({columns}) FROM STDIN", rows, pick, defaults)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {temp} "  # noqa: S608
            f"ON CONFLICT ({quote(columns_by_name[conflict_field])}) {on_conflict}"
        )
        cursor.execute(f"DROP TABLE {temp}")


@contextmanager
def copy_stream(
    model: type[models.Model], with_pk: bool = False
) -> Iterator[Callable[[Sequence[dict[str, Any]]], None]]:
    """``COPY`` into ``model``'s table, open for the duration of the block: ``send(rows)`` streams a chunk of rows.

    Why: PostgreSQL parses and stores each chunk while the caller prepares the next one (the server is another
    process, on the other core), where ``upsert(all_new=True)`` sends everything after the caller has finished.
    Same contract as ``all_new``: the caller knows, in the same transaction, that none of the rows exists. PostgreSQL
    only (the caller checks ``connection.vendor``). ``with_pk``: every row carries its primary key (``next_ids``).
    """
    defaults = _defaults(model)
    fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    pick = itemgetter(*(field.attname for field in fields))
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):

        def send(rows: Sequence[dict[str, Any]]) -> None:
            copy.write(copy_text([pick({**defaults, **row}) for row in rows]))

        yield send


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys taken from the table's own sequence, in order, for rows the caller inserts with ids."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _copy_rows(cursor, statement: str, rows: Sequence[dict[str, Any]], pick: itemgetter, defaults: dict) -> None:
    """Stream ``rows`` through ``statement`` (a ``COPY … FROM STDIN``), formatted by chunk (``copy_text``)."""
    with cursor.cursor.copy(statement) as copy:
        for start in range(0, len(rows), COPY_CHUNK):
            copy.write(copy_text([pick({**defaults, **row}) for row in rows[start : start + COPY_CHUNK]]))


@contextmanager
def foreign_keys_checked_once(model: type[models.Model], enabled: bool = True) -> Iterator[None]:
    """Check the table's foreign keys once, set-based, instead of once per inserted row.

    PostgreSQL checks a foreign key with one trigger call per row (Django declares them DEFERRABLE INITIALLY
    DEFERRED, so ~4 × 95,000 checks pile up until COMMIT and cost as much as the load itself). For a large load the
    constraints are dropped and re-added, with the same names and definitions, inside the caller's transaction:
    re-adding validates every row with a single join, and any failure rolls everything back, constraints included.
    The price is an exclusive lock on the table for the duration of the load, so callers enable it for large loads
    only. Must run inside ``transaction.atomic``.
    """
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        # Deferred checks already queued in this transaction (e.g. the organisations just inserted) must run first:
        # PostgreSQL refuses to alter a table with pending trigger events. Checks stay immediate afterwards.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f' ORDER BY conname",
            [model._meta.db_table],
        )
        constraints = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


@contextmanager
def indexes_built_once(model: type[models.Model], enabled: bool = True) -> Iterator[None]:
    """Build the table's secondary indexes once, after a large load, instead of maintaining them row by row.

    PostgreSQL's advice for populating a table ("Populating a Database" in its manual): loading 95,000
    establishments into the table with its seven indexes costs about five times the same COPY into the bare table,
    and building the indexes afterwards costs less than the difference. Every index but the primary key's is dropped
    and re-created, with the same name and definition (unique constraints as constraints, so a duplicate fails the
    transaction and everything rolls back). Same price as ``foreign_keys_checked_once``: an exclusive lock on the
    table for the duration of the load, hence large loads only. Must run inside ``transaction.atomic``.
    """
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.relname, pg_get_indexdef(i.indexrelid), c.conname, c.contype, pg_get_constraintdef(c.oid) "
            "FROM pg_index i JOIN pg_class index ON index.oid = i.indexrelid "
            "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY index.relname",
            [model._meta.db_table],
        )
        indexes = cursor.fetchall()
        for index_name, _index_definition, constraint, _kind, _constraint_definition in indexes:
            if constraint:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(constraint)}")
            else:
                cursor.execute(f"DROP INDEX {quote(index_name)}")
    yield
    with connection.cursor() as cursor:
        # Row-level foreign key checks queued by the load run first: PostgreSQL refuses to build an index on a table
        # with pending trigger events. Checks stay immediate afterwards, as in foreign_keys_checked_once.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _index_name, index_definition, constraint, _kind, constraint_definition in indexes:
            if constraint:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(constraint)} {constraint_definition}")
            else:
                cursor.execute(index_definition)  # pg_get_indexdef: the CREATE INDEX statement as PostgreSQL stored it
