"""Building import files the way people send them."""

import io

from awareness.tabular import read_table


def csv_bytes(rows, sep=",", encoding="utf-8", bom=False, crlf=True) -> bytes:
    text = ("\r\n" if crlf else "\n").join(sep.join(row) for row in rows) + ("\r\n" if crlf else "\n")
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table(rows, **kwargs):
    return read_table(csv_bytes(rows, **kwargs), "csv")


RESULTS_HEADER = ["id", "status", "ip", "latitude", "longitude", "send_date", "reported", "modified_date", "email",
                  "first_name", "last_name", "position"]  # fmt: skip


def results_row(email, status, send_date, reported="false", position="Urgences"):
    return ["r" + email[:3], status, "10.0.0.1", "0.000000", "0.000000", send_date, reported, send_date, email, "A",
            "B", position]  # fmt: skip
