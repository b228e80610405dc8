"""{% load tickets %}: Markdown rendering (sanitized in core.html), small formatters, and the
tags that render the queue's rows (templates/tickets/_queue_table_rows.jinja) and the ticket
page's timeline (templates/tickets/_timeline.html). Markup lives in those templates; the
filters here only make the values they show cheap to write (dozens per page)."""

import functools

from django import template
from django.template import engines
from django.template.defaultfilters import filesizeformat
from django.template.loader import get_template
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from core.html import render_markdown
from core.templating import short_datetime
from core.text import cut_long, split_quoted
from tickets import caching
from tickets.models import Event
from tickets.selectors import COUNTER_CAP, TimelineWindow

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, name: template.Variable, nodelist):
        self.name, self.nodelist = name, nodelist

    def render(self, context):
        fragments = context.get("fragments")
        if fragments is None:
            return self.nodelist.render(context)
        name = str(self.name.resolve(context))
        markup = fragments.get(name)
        if markup is None:
            markup = self.nodelist.render(context)
            fragments.keep(name, markup)
        return markup


@register.tag
def fragment(parser, token):
    """{% fragment name %}...{% endfragment %}: the markup cached under the page's key of that
    name (a quoted name, or a variable's value; context["fragments"], a
    tickets.caching.PageFragments: all of a page's are read in one round trip), rendered when
    missing or not to be cached."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% fragment %} takes one name")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(template.Variable(bits[1]), nodelist)


@register.simple_tag
def status_colours_url():
    """The badges' style sheet at the current reference version (a new URL after each change)."""
    return f"{reverse('tickets:status-colours')}?v={caching.reference_version()}"


@register.filter
def markdown(text):
    return render_markdown(text or "")


@register.filter
def filesize(size):
    return filesizeformat(size)


@register.filter
def counter(value):
    """A to-do count: "999+" past tickets.selectors.COUNTER_CAP, where counting stops."""
    return f"{COUNTER_CAP}+" if value > COUNTER_CAP else value


# Badges render their template through a filter: {{ ticket.status|status_badge }}.
@register.filter
def status_badge(status):
    return get_template("tickets/_status_badge.html").render({"status": status})


@register.filter
def priority_badge(priority):
    return get_template("tickets/_priority_badge.html").render({"priority": priority})


@register.filter
def criticality_badge(criticality):
    return get_template("tickets/_criticality_badge.html").render({"criticality": criticality})


@register.filter
def email_parts(text):
    """(reply, quoted history) of an email's text; the history is shown folded."""
    return split_quoted(text or "")


@register.filter
def long_parts(text):
    """(start, rest) of a long text: the start is rendered, the rest folded as plain text
    (core.text.cut_long); rest is "" for most texts."""
    return cut_long(text or "")


# {{ moment|short_datetime }}: what |date:"SHORT_DATETIME_FORMAT" writes, cheaper.
register.filter("short_datetime", short_datetime)


@functools.lru_cache(maxsize=8)
def _detail_url_parts(script_prefix: str) -> tuple[str, str]:
    marker = 987654321
    start, end = reverse("tickets:detail", args=[marker]).split(str(marker))
    return start, end


@register.filter
def detail_url(number) -> str:
    """{% url 'tickets:detail' number %}, reversed once per process: the queue links each of
    its rows twice, and reverse() costs more than the rest of a row."""
    start, end = _detail_url_parts(get_script_prefix())
    return f"{start}{number}{end}"


@register.simple_tag
def queue_rows(tickets, bulk):
    """The <tr> of each ticket in the queue (templates/tickets/list.html), given with their
    assignee_names (tickets.selectors.with_assignee_names); bulk: with the selection checkbox."""
    rows = engines["jinja2"].get_template("tickets/_queue_table_rows.jinja")
    url_start, url_end = _detail_url_parts(get_script_prefix())
    context = {"tickets": tickets, "bulk": bulk, "url_start": url_start, "url_end": url_end}
    html = rows.render(context)
    return mark_safe(html)  # noqa: S308 - the template escapes every value (core.templating)


# What the filter bar (tickets/_queue_filters.jinja) takes from the queue page's context.
_FILTER_BAR = (
    "view",
    "counts",
    "menus",
    "pickers",
    "chosen_organizations",
    "chosen_people",
    "more_filters_active",
    "filter_errors",
    "chips",
    "clear_url",
    "all_url",
    "default_state",
)


@register.simple_tag(takes_context=True)
def queue_filter_bar(context):
    """The queue's filter bar (templates/tickets/list.html, tickets.views.queue._filter_bar):
    the search box, a menu per filter, the chips. The "More filters" panel (Django forms) is
    written here only when one of its filters is set; otherwise it is loaded when opened."""
    request = context["request"]
    values = {name: context.get(name) for name in _FILTER_BAR}
    more = ""
    if context.get("more_filters_open"):
        more = get_template("tickets/_more_filters.html").render(
            {"filter": context["filter"], "main_filters": context["main_filters"]}
        )
    values.update(
        state=request.GET.get("state", ""),
        sort=request.GET.get("sort", ""),
        q=request.GET.get("q", ""),
        more_filters=more,
        more_filters_url=f"{reverse('tickets:more-filters')}?{request.GET.urlencode()}",
        pick_organizations=reverse("accounts:pick-organizations"),
        pick_agents=reverse("accounts:pick-agents"),
    )
    html = engines["jinja2"].get_template("tickets/_queue_filters.jinja").render(values)
    return mark_safe(html)  # noqa: S308 - the template escapes every value (core.templating)


class _Written:
    """An event whose item is cached: its {% fragment %} reads it by pk, nothing else."""

    __slots__ = ("pk",)

    def __init__(self, pk):
        self.pk = pk


@register.simple_tag
def timeline_events(events, ticket, staff=False):
    """The <li> of each event of the ticket page's timeline (templates/tickets/detail.html);
    staff: the viewer sees internal matters (the original of an email, for one). events: the
    events in the order shown, or a selectors.TimelineWindow (their ids, and how to read the
    events of some of them): then only the events whose item is not cached are read."""
    # Each event's markup is cached on its own (the ticket page caches the whole list too):
    # after a new event only that one is read and rendered; the others are read from the
    # cache in one round trip.
    shown = (get_language(), get_current_timezone_name(), bool(staff))
    shared = "|".join(map(str, (*shown, caching.timeline_generation())))
    ids = events.ids if isinstance(events, TimelineWindow) else [event.pk for event in events]
    fragments = caching.PageFragments(
        "event", {str(pk): shared for pk in ids}, seconds=EVENT_SECONDS
    )
    if isinstance(events, TimelineWindow):
        missing = [pk for pk in ids if fragments.get(str(pk)) is None]
        read = {event.pk: event for event in events.read(missing)} if missing else {}
        # An event neither cached nor read (gone meanwhile) is left out.
        events = [
            read.get(pk) or _Written(pk)
            for pk in ids
            if pk in read or fragments.get(str(pk)) is not None
        ]
    context = {"events": events, "fragments": fragments, "ticket": ticket, "staff": bool(staff)}
    return get_template("tickets/_timeline.html").render(context)


# Events do not change once written: their markup is kept a day (a renamed person or status shows
# in past items when it expires; tickets.caching.timelines_changed() drops them at once).
EVENT_SECONDS = 86400


# get_FOO_display() translates every label of the field's choices to find one.
_ACTION_TYPES = dict(Event.ActionType.choices)
_KINDS = dict(Event.Kind.choices)


@register.filter
def kind_label(event) -> str:
    return _KINDS.get(event.kind, event.kind)


@register.filter
def action_type_label(event) -> str:
    return _ACTION_TYPES.get(event.action_type, event.action_type)


# The action type is said of messages only (a reply, an internal note), where it tells what the
# message is (a question, an instruction, a solution...); not of events (claim, status, assignment),
# whose line says what happened, nor what the line already says: "replied · Answer", or the
# "Information" every note is, or "Answer" on a note (a note answers nobody).
_UNSAID_ACTION_TYPES = {
    Event.Kind.REPLY: {Event.ActionType.ANSWER},
    Event.Kind.NOTE: {Event.ActionType.INFORMATION, Event.ActionType.ANSWER},
}


@register.filter
def action_badge(event) -> str:
    """The action type shown as a badge on a timeline item, or "" when it would say nothing."""
    unsaid = _UNSAID_ACTION_TYPES.get(event.kind)
    if unsaid is None or event.action_type in unsaid:
        return ""
    return action_type_label(event)
