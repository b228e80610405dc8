"""The Jinja2 environment for the few fragments that Django's template engine renders too slowly
on a hot path (settings.TEMPLATES, backend "jinja2"; templates/**/*.jinja).

Values are escaped exactly as Django's templates escape them (django.utils.html.escape through
`finalize`, so `"` is `&quot;`, not markupsafe's `&#34;`), and translations are Django's
gettext/ngettext ({{ _("text") }}, which makemessages extracts from *.jinja like any template).
Also here: short_datetime, the date filter both engines use on those hot pages.
"""

import functools
import html
from collections.abc import Callable

import jinja2
from django.forms.renderers import TemplatesSetting
from django.template import TemplateDoesNotExist, engines
from django.template.defaultfilters import filesizeformat
from django.utils import dateformat
from django.utils.formats import get_format, localize
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext

from core.html import render_markdown


def _django_escape(value):
    """{{ value }} as a Django template writes it (django.utils.html.conditional_escape, without
    its lazy-string check, which costs more than the escaping): safe strings (|safe, rendered
    forms) as they are, other numbers and dates localized (a choice labelled 4.5 is "4,5" in
    French). Every {{ }} goes through here, which escapes it (autoescape off: see environment)."""
    if type(value) is str:
        return html.escape(value)
    if type(value) is int:
        return value
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(localize(template_localtime(value))))


# Django date format codes that strftime writes the same way (zero-padded numbers).
_STRFTIME_CODES = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S"}


@functools.lru_cache(maxsize=32)
def _as_strftime(django_format: str) -> str | None:
    """The strftime pattern that writes what django_format writes, or None when it has a code
    strftime writes differently (month names, "P" for noon and a.m. …)."""
    pattern = []
    for char in django_format:
        if char in _STRFTIME_CODES:
            pattern.append(_STRFTIME_CODES[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            pattern.append("%%" if char == "%" else char)
    return "".join(pattern)


def short_datetimes() -> Callable[[object], str]:
    """A function writing datetimes as {{ value|date:"SHORT_DATETIME_FORMAT" }} does in the
    active language, its format looked up once (50 dates a queue page, where the date filter
    looks the format up and parses it each time). strftime (C) writes the formats it can
    (French "d/m/Y H:i"); Django's formatter the others (English "m/d/Y P")."""
    django_format = get_format("SHORT_DATETIME_FORMAT")
    pattern = _as_strftime(django_format)

    def write(moment) -> str:
        if not moment:
            return ""
        local = template_localtime(moment)
        return local.strftime(pattern) if pattern else dateformat.format(local, django_format)

    return write


@functools.lru_cache(maxsize=64)
def _writer(language: str | None) -> Callable[[object], str]:
    return short_datetimes()


def short_datetime(moment) -> str:
    """One date written as short_datetimes() writes them (the writer kept per language)."""
    return _writer(get_language())(moment)


def person(user) -> str:
    """A person as pages name them: {{ user.get_full_name|default:user.email }}."""
    return user.get_full_name() or user.email


def environment(**options) -> jinja2.Environment:
    options["undefined"] = jinja2.Undefined  # missing values write nothing, as in Django's
    # Escaping is finalize's (Django's escape, above), for every {{ }}: Jinja's autoescape would
    # escape its result once more, through markupsafe, for each value written.
    options["finalize"] = _django_escape
    options["autoescape"] = False
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    env = jinja2.Environment(**options)  # noqa: S701 - finalize escapes every value
    env.install_gettext_callables(gettext, ngettext, newstyle=False)
    env.filters.update(
        short_datetime=short_datetime,
        markdown=lambda text: render_markdown(text or ""),
        filesize=filesizeformat,
        person=person,
    )
    return env


class FormRenderer(TemplatesSetting):
    """Forms and widgets rendered by the jinja2 engine from templates/jinja2/django/forms/ (the
    project's Bootstrap markup) and, for the widgets not written there, Django's own Jinja2
    widget templates (settings.TEMPLATES); the admin's widgets from Django's engine. Django's
    engine took as long for the queue's and the ticket page's form fields as for the rest of
    those pages. Only the engine is chosen here: the markup is in the templates."""

    def get_template(self, template_name):
        try:
            return engines["jinja2"].get_template(template_name)
        except TemplateDoesNotExist:  # admin/widgets/*.html
            return super().get_template(template_name)
