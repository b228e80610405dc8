"""The form renderer writes selects in Python: exactly what the templates would write."""

import datetime

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from helpdesk.forms_renderer import FormRenderer, render_select


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a", "A & B"), ("b", '"quoted" <b>')])
    grouped = forms.ChoiceField(
        choices=[
            ("", "Choose…"),
            ("Group <1>", [("x", "X"), ("y", gettext_lazy("Yes"))]),
            ("Group 2", [(3, 3), (4.5, 4.5)]),
        ],
        widget=forms.Select(attrs={"class": "form-select-sm w-auto", "id": "custom", "data-x": 0}),
    )
    many = forms.MultipleChoiceField(
        choices=[("1", "One"), ("2", mark_safe("<em>Two</em>")), ("3", "Three")],
        widget=forms.SelectMultiple(attrs={"disabled": True, "hidden": False, "size": None}),
    )
    when = forms.ChoiceField(choices=[("d", datetime.date(2026, 3, 1))])


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("data", [None, {"plain": "b", "grouped": "y", "many": ["1", "3"]}])
def test_selects_render_as_the_templates_do(language, data):
    with override(language):
        fast = Sample(data, renderer=FormRenderer())
        slow = Sample(data, renderer=TemplatesSetting())
        for name in fast.fields:
            assert str(fast[name]) == str(slow[name])
            assert fast[name].as_field_group() == slow[name].as_field_group()


@pytest.mark.django_db
def test_model_choices_render_as_the_templates_do(agent):
    from tickets.forms import BulkForm, StatusForm

    for form_class, kwargs in ((BulkForm, {"user": agent}), (StatusForm, {})):
        fast = form_class(renderer=FormRenderer(), **kwargs)
        slow = form_class(renderer=TemplatesSetting(), **kwargs)
        for name in fast.fields:
            assert str(fast[name]) == str(slow[name])


def test_other_option_templates_are_left_to_the_templates():
    widget = forms.Select(choices=[("a", "A")]).get_context("x", "a", {})["widget"]
    widget["optgroups"][0][1][0]["template_name"] = "custom_option.html"
    assert render_select(widget) is None
