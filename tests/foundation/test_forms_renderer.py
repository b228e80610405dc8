"""The form renderer writes selects, field groups and labels in Python: exactly what the
templates would write."""

import datetime

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from helpdesk.forms_renderer import FormRenderer, render_input, render_select, render_textarea


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
    text = forms.CharField(label="Title <b>", max_length=5, help_text="Short <em>help</em>.")
    optional = forms.CharField(required=False, label="", widget=forms.Textarea)
    agree = forms.BooleanField(label=gettext_lazy("Yes"), help_text="Tick it.")
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    tags = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    upload = forms.FileField(required=False, label="File?")
    no_id = forms.CharField(required=False, widget=forms.TextInput(attrs={"id": ""}))
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"class": "wide"}))
    count = forms.IntegerField(required=False, initial=3, widget=forms.NumberInput)
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    notes = forms.CharField(
        required=False, initial=mark_safe('<b>kept</b> & "quoted"'), widget=forms.Textarea
    )
    day = forms.DateField(required=False, initial=datetime.date(2026, 3, 1))

    def clean(self):
        raise forms.ValidationError("Whole form <wrong>.")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "plain": "b",
            "grouped": "y",
            "many": ["1", "3"],
            "text": "far too long",
            "kind": "z",
            "email": 'a"b <c>',
            "count": "x&y",
            "secret": "<p>",
            "optional": "line 1\n<script>alert(1)</script>",
            "day": "2026-13-45",
        },
        {"plain": "a", "grouped": "x", "text": "ok", "agree": "on", "kind": "a", "tags": ["b"]},
    ],
)
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_fields_render_as_the_templates_do(language, data, auto_id):
    with override(language):
        fast = Sample(data, renderer=FormRenderer(), auto_id=auto_id)
        slow = Sample(data, renderer=TemplatesSetting(), auto_id=auto_id)
        assert fast.is_bound is (data is not None)
        for name in fast.fields:
            assert str(fast[name]) == str(slow[name])
            assert fast[name].as_field_group() == slow[name].as_field_group()
            assert fast[name].label_tag() == slow[name].label_tag()
            assert fast[name].legend_tag(attrs={"class": "x"}) == slow[name].legend_tag(
                attrs={"class": "x"}
            )
        assert str(fast) == str(slow)


def test_other_option_templates_are_left_to_the_templates():
    widget = forms.Select(choices=[("a", "A")]).get_context("x", "a", {})["widget"]
    widget["optgroups"][0][1][0]["template_name"] = "custom_option.html"
    assert render_select(widget) is None


def test_inputs_and_textareas_are_written_here_not_by_the_templates():
    """The comparison above holds either way; these are the ones the fast path must take."""
    for widget in (
        forms.TextInput(),
        forms.HiddenInput(),
        forms.EmailInput(),
        forms.CheckboxInput(),
    ):
        assert render_input(widget.get_context("x", "v", {})["widget"]).startswith("<input ")
    textarea = forms.Textarea().get_context("x", "<b>", {})["widget"]
    assert render_textarea(textarea).endswith(">\n&lt;b&gt;</textarea>")
    odd = forms.TextInput().get_context("x", None, {})["widget"]
    odd["value"] = ("a", "b")  # not text: the template decides how it is written
    assert render_input(odd) is None
