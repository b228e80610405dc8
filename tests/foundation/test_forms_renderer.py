"""Forms render from the project's templates (templates/jinja2/django/forms/, by the jinja2
engine): no markup in Python."""

import datetime
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import TemplatesSetting
from django.template import Context, Engine, engines
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

# templates/django/forms/widgets/select.html as it was, a Django template with one include per
# option (Django's select_option.html with the project's attrs.html, ATTRS): the select is now
# a Jinja2 template that writes the option itself.
SELECT_WITH_INCLUDES = """<select name="{{ widget.name }}" class="form-select{% if widget.attrs.class %} {{ widget.attrs.class }}{% endif %}"{% include "django/forms/widgets/attrs.html" %}>{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}
  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}
  <option value="{{ option.value|stringformat:'s' }}"{% include "django/forms/widgets/attrs.html" with widget=option %}>{{ option.label }}</option>
{% endfor %}{% if group_name %}
  </optgroup>{% endif %}{% endfor %}
</select>"""  # noqa: E501
ATTRS = """{% for name, value in widget.attrs.items %}{% if name != "class" and value is not False %} {{ name }}{% if value is not True %}="{{ value|stringformat:'s' }}"{% endif %}{% endif %}{% endfor %}
"""  # noqa: E501
FORMER_ENGINE = Engine(
    loaders=[("django.template.loaders.locmem.Loader", {"django/forms/widgets/attrs.html": ATTRS})]
)


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
    notes = forms.CharField(required=False, widget=forms.Textarea)


class WithIncludes(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if template_name == "django/forms/widgets/select.html":
            template = FORMER_ENGINE.from_string(SELECT_WITH_INCLUDES)
            return template.render(Context(context)).strip()
        return super().render(template_name, context, request)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("data", [None, {"plain": "b", "grouped": "y", "many": ["1", "3"]}])
def test_selects_write_their_options_as_the_option_template_did(language, data):
    with override(language):
        form, former = Sample(data), Sample(data, renderer=WithIncludes())
        for name in ("plain", "grouped", "many", "when"):
            assert str(form[name]) == str(former[name])
            assert "<option" in str(form[name])


def test_fields_render_from_the_project_templates_with_values_escaped():
    form = Sample({"text": 'far "too" <long>', "notes": "<script>alert(1)</script>"})
    assert not form.is_valid()
    group = form["text"].as_field_group()
    assert group.startswith('<div class="mb-3"><label class="form-label" for="id_text">')
    assert "Title &lt;b&gt;" in group and 'value="far &quot;too&quot; &lt;long&gt;"' in group
    assert '<ul class="errorlist" id="id_text_error">' in group
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in str(form["notes"])
    assert '<option value="b"\n>&quot;quoted&quot; &lt;b&gt;</option>' in str(form["plain"])


def test_every_jinja_fragment_compiles():
    names = [
        str(path.relative_to(settings.BASE_DIR / "templates"))
        for path in Path(settings.BASE_DIR / "templates").rglob("*.jinja")
    ]
    assert names
    for name in names:
        engines["jinja2"].get_template(name)


def test_the_forms_renderer_writes_no_markup_only_chooses_the_jinja2_engine():
    renderer = import_string(settings.FORM_RENDERER)
    assert issubclass(renderer, TemplatesSetting)
    assert renderer.render is TemplatesSetting.render
    assert set(vars(renderer)) <= {"__module__", "__qualname__", "__doc__", "get_template"}
    select = renderer().get_template("django/forms/widgets/select.html")
    assert select.backend is engines["jinja2"]
    assert Path(select.origin.name).is_relative_to(settings.BASE_DIR / "templates" / "jinja2")
