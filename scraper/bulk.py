"""Multi-row INSERT for the scanner's hot path.

`bulk_create` prepares every field of every object through the field API; for the tens of
thousands of Game and Rom rows of a first scan that costs five times the SQL itself. Here the
columns a caller does not give are prepared once per call (defaults, auto_now), and only the
JSON and datetime columns it gives are prepared per row. Works on SQLite (a VALUES list) and
PostgreSQL (UNNEST of one array a column), which both return inserted ids in the order of the
rows (as Django's own bulk_create relies on).
"""

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

# SQLite allows 32,766 parameters a statement, PostgreSQL 65,535.
MAX_PARAMS = 30_000


def insert_rows(model, columns: list[str], rows: list[tuple], *, return_ids=False) -> list[int]:
    """INSERT rows (tuples in the order of columns) into model's table; the other concrete
    fields get their defaults. Returns the new primary keys when return_ids is true."""
    # The connection itself, not django.db.connection: that proxy looks it up again on every
    # attribute access, twice for each JSON value prepared below.
    connection = connections[DEFAULT_DB_ALIAS]
    fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    now = timezone.now()
    constant = {}
    for name, field in fields.items():
        if name in columns:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        constant[name] = field.get_db_prep_save(value, connection)
    prepared = [
        (i, fields[name])
        for i, name in enumerate(columns)
        if isinstance(fields[name], models.JSONField | models.DateTimeField)
    ]
    raw_json = _raw_json(connection)
    names = list(columns) + list(constant)
    tail = tuple(constant.values())
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    insert = f"INSERT INTO {table} ({', '.join(quote(fields[name].column) for name in names)})"
    returning = f" RETURNING {quote(model._meta.pk.column)}" if return_ids else ""
    # PostgreSQL gets one array a column, as Django's own bulk_create does there: psycopg parses
    # a statement of thousands of placeholders in Python, and took longer over it than the
    # server over the insert. Without the length ("varchar", not "varchar(255)"), as Django.
    unnest = connection.vendor == "postgresql"
    if unnest:
        arrays = ", ".join(
            f"(%s)::{fields[name].db_type(connection).split('(')[0]}[]" for name in names
        )
        insert += f" SELECT * FROM UNNEST({arrays})"  # noqa: S608
    row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
    per_statement = max(1, MAX_PARAMS // len(names))
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            if prepared:
                chunk = [_prepare_row(row, prepared, connection, raw_json) for row in chunk]
            if unnest:
                sql = insert + returning
                params = [list(values) for values in zip(*chunk, strict=True)]
                params.extend([value] * len(chunk) for value in tail)
            else:
                sql = f"{insert} VALUES {', '.join([row_sql] * len(chunk))}{returning}"
                params = []
                for row in chunk:
                    params.extend(row)
                    params.extend(tail)
            cursor.execute(sql, params)
            if return_ids:
                ids.extend(pk for (pk,) in cursor.fetchall())
    return ids


class JsonText(str):
    """A JSON column's value encoded already (json.dumps), as the scan's worker process sends
    it: insert_rows passes it on as it is."""


def _raw_json(connection):
    """How a JsonText goes to the database: as text to SQLite, as jsonb to PostgreSQL."""
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return lambda text: Jsonb(text, dumps=str)
    return str


def _prepare_row(row: tuple, prepared: list, connection, raw_json) -> list:
    row = list(row)
    for i, field in prepared:
        value = row[i]
        if type(value) is JsonText:
            row[i] = raw_json(value)
        else:
            row[i] = field.get_db_prep_save(value, connection)
    return row
