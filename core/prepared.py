"""Statements compiled once per process: for the reads every page makes with new values only
(a ticket page's fetch, the person's roles: Prepared), or with the same values under a key
(the queue's filters: compiled()), where Django compiling the SQL of a queryset at each
evaluation cost more than running it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable

# Placeholder moments (a datetime a statement is compiled with, then run with the real one).
_MOMENT = dt.datetime(2001, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


class Prepared:
    """A queryset whose SQL is compiled once per process and database, then run with new values.

    Django compiles a queryset's SQL at every evaluation (joins, columns, quoting): on the
    ticket page, which runs the same three reads for every ticket, compiling cost more than
    running them. make(**names) builds the queryset from the placeholder integers given as
    names (each must reach the SQL as a parameter of its own, unchanged: an exact lookup on
    an integer column, an IN list), placeholder datetimes as moments and placeholder strings
    as texts (an exact lookup on a text column); rows(**values) runs it with the real ones.
    The rows come through Django's converters (JSON, SQLite's booleans and dates), so
    models(**values) builds the same instances as the queryset would, select_related objects
    included.
    """

    def __init__(
        self,
        make: Callable[..., object],
        *names: str,
        moments: tuple[str, ...] = (),
        texts: tuple[str, ...] = (),
    ):
        # Placeholders within every integer column's range, unlikely as real values; texts
        # (an exact lookup on a text column) as unlikely strings.
        self._placeholders = {name: 2_000_000_001 + i for i, name in enumerate(names)}
        self._placeholders.update({name: f"hd-prepared-{i}-f3a9c1" for i, name in enumerate(texts)})
        self._moments = {
            name: _MOMENT + dt.timedelta(microseconds=i + 1) for i, name in enumerate(moments)
        }
        self._make = make
        self._compiled: dict[str, tuple] = {}

    def _compile(self, alias: str) -> tuple:
        compiled = self._compiled.get(alias)
        if compiled is None:
            from django.db import connections

            queryset = self._make(**self._placeholders, **self._moments)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            names = {value: name for name, value in self._placeholders.items()}
            adapt = connections[alias].ops.adapt_datetimefield_value
            for name, moment in self._moments.items():
                # The parameter as the backend passes it (SQLite: a string in UTC).
                names[moment] = names[adapt(moment)] = name
            slots = [
                names.get(param) if isinstance(param, int | str | dt.datetime) else None
                for param in params
            ]
            missing = {*self._placeholders, *self._moments} - set(slots)
            if missing:
                raise ValueError(f"placeholders not in the SQL as parameters: {missing}")
            compiled = self._compiled[alias] = (compiler, sql, params, slots)
        return compiled

    def bound(self, alias: str = "default", **values) -> tuple[object, str, list]:
        """(the compiler, the SQL, its parameters for these values)."""
        from django.db import connections

        compiler, sql, params, slots = self._compile(alias)
        adapt = connections[alias].ops.adapt_datetimefield_value
        bound = []
        for param, slot in zip(params, slots, strict=True):
            if slot is None:
                bound.append(param)
            elif slot in self._moments:
                bound.append(adapt(values[slot]))
            else:
                bound.append(values[slot])
        return compiler, sql, bound

    def rows(self, alias: str = "default", **values) -> tuple[object, list]:
        """(the compiler, the converted rows) for these values."""
        from django.db import connections

        compiler, sql, bound = self.bound(alias, **values)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, bound)
            fetched = cursor.fetchall()
        return compiler, list(compiler.results_iter([fetched]))

    def count(self, alias: str = "default", **values) -> int:
        """How many rows the statement gives for these values (counted by the database)."""
        return counts((self, values), alias=alias)[0]

    def models(self, alias: str = "default", **values) -> list:
        """The model instances (with their select_related objects) for these values."""
        from django.db.models.query import get_related_populators

        compiler, rows = self.rows(alias, **values)
        info, select = compiler.klass_info, compiler.select
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(info, select, alias)
        annotations = compiler.annotation_col_map.items()
        objects = []
        for row in rows:
            obj = info["model"].from_db(alias, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


def counts(*parts: tuple[Prepared, dict], alias: str = "default") -> list[int]:
    """How many rows each (statement, values) gives, counted by the database in one round trip
    (a statement that can match nothing, e.g. an empty IN list, counts 0 without SQL)."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connections

    selects, bound = [], []
    for position, (statement, values) in enumerate(parts):
        try:
            _, sql, params = statement.bound(alias, **values)
        except EmptyResultSet:
            selects.append("0")
            continue
        # sql is a compiled statement, its values passed apart.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) counted{position})")  # noqa: S608
        bound.extend(params)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", bound)
        return list(cursor.fetchone())


# --- SQL kept under a key -------------------------------------------------------------------------

_COMPILED: dict[Hashable, object] = {}
_COMPILED_MAX = 1024


def compiled(key: Hashable | None, compile_: Callable[[], object]):
    """compile_() (say, SQL from sql_of()), run once per process for key (None: every time), at
    most 1,024 keys kept. The value depends on nothing but the key: the caller puts in it
    everything the SQL is made from."""
    if key is None:
        return compile_()
    try:
        return _COMPILED[key]
    except KeyError:
        pass
    value = compile_()
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    _COMPILED[key] = value
    return value


def sql_of(queryset) -> tuple[str, tuple] | None:
    """The SQL of queryset and its parameters, or None when it can match nothing (the ORM
    writes no SQL for, say, an empty IN list)."""
    from django.core.exceptions import EmptyResultSet

    try:
        return queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return None


def count_up_to(cursor, statement: tuple[str, tuple], limit: int) -> int:
    """How many rows the statement (sql_of()) gives, counting no further than limit."""
    sql, params = statement
    # sql is a compiled statement, its values passed apart.
    cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT %s) counted", (*params, limit))  # noqa: S608
    return cursor.fetchone()[0]
