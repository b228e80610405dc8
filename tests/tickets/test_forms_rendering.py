"""The ticket forms render through helpdesk.forms_renderer exactly as through the templates."""

import pytest
from django.forms.renderers import TemplatesSetting

from helpdesk.forms_renderer import FormRenderer

pytestmark = pytest.mark.django_db


def test_the_ticket_forms_render_as_the_templates_do(agent, make_ticket, client_a):
    from tickets import forms as ticket_forms
    from tickets.filters import TicketFilter

    ticket = make_ticket(client_a)
    made = [
        (ticket_forms.BulkForm, {"user": agent}),
        (ticket_forms.StatusForm, {}),
        (ticket_forms.TicketCreateForm, {"user": agent}),
        (ticket_forms.ReplyForm, {"user": agent, "ticket": ticket}),
        (ticket_forms.FieldsForm, {"ticket": ticket}),
        (ticket_forms.AssignForm, {}),
        (ticket_forms.EditForm, {}),
    ]
    for form_class, kwargs in made:
        for data in (None, {"version": "x"}):
            fast = form_class(data, renderer=FormRenderer(), **kwargs)
            slow = form_class(data, renderer=TemplatesSetting(), **kwargs)
            for name in fast.fields:
                assert fast[name].as_field_group() == slow[name].as_field_group()
    form = TicketFilter({"q": "x"}, user=agent).form
    for name in form.fields:
        form.renderer = FormRenderer()
        fast = form[name].as_field_group()
        form.renderer = TemplatesSetting()
        assert fast == form[name].as_field_group()
