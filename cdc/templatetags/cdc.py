"""{% load cdc %}{% start_change_request user ticket %}: the button on a ticket page."""

from django import template

from cdc import access

register = template.Library()


@register.inclusion_tag("cdc/_start_from_ticket.html")
def start_change_request(user, ticket):
    """Shown only to people who may open change requests (cdc.access decides)."""
    return {"show": access.can_create_change_request(user), "ticket": ticket}
