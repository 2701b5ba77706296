"""``bulk.copy_text`` (COPY rows formatted by column) sends exactly what psycopg's ``write_row`` sends."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from establishments.bulk import copy_text

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")

COLUMNS = "t text, n bigint, b boolean, d date, ts timestamptz, x numeric, s text"
NOW = datetime.datetime(2026, 12, 2, 5, 6, 38, 123456, tzinfo=datetime.UTC)
ROWS = [
    ("Centre hospitalier", 1, False, datetime.date(2020, 1, 31), NOW, Decimal("1.50"), "a"),
    ("tab\there", None, True, None, NOW, None, "new\nline"),
    ("back\\slash \\N", 2**40, None, datetime.date(1901, 12, 2), None, Decimal("-3"), "cr\rlf\r\n"),
    ("", 0, False, datetime.date(2020, 1, 31), NOW + datetime.timedelta(hours=1), Decimal("0"), "é à « » €"),
    (None, 1, True, datetime.date(2021, 6, 1), NOW, Decimal("1.50"), ""),
]


def _copied(rows, by_column: bool) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE copy_probe ({COLUMNS})")
        try:
            with cursor.cursor.copy("COPY copy_probe FROM STDIN") as copy:
                if by_column:
                    copy.write(copy_text(rows))
                else:
                    for row in rows:
                        copy.write_row(row)
            cursor.execute("SELECT * FROM copy_probe")
            return cursor.fetchall()
        finally:
            cursor.execute("DROP TABLE copy_probe")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "rows",
    [ROWS, ROWS[:1], [ROWS[0], ROWS[3]] * 3, [ROWS[4]]],
    ids=["escapes-and-nulls", "one-row", "clean-text-only", "null-text"],
)
def test_copy_text_stores_the_same_rows_as_write_row(rows):
    assert _copied(rows, by_column=True) == _copied(rows, by_column=False) == [tuple(row) for row in rows]


def test_copy_text_of_nothing_is_empty():
    assert copy_text([]) == ""
