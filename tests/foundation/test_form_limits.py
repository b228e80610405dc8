"""Every form of ours refuses text the database cannot store and text past its field's limit
(core.forms): checked on every form class of our apps, and on the helpers themselves."""

import importlib
import pkgutil

import django_filters
import pytest
from django import forms

from core import forms as core_forms
from core.text import cut_long
from tests.foundation.test_guards import APPS


def _our_modules():
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            yield importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_our_apps_limits_its_text():
    list(_our_modules())
    ours = [
        cls
        for cls in set(_subclasses(forms.BaseForm))
        if cls.__module__.split(".")[0] in set(APPS) - {"core"}
    ]
    assert len(ours) > 30
    missing = sorted(
        f"{cls.__module__}.{cls.__name__}"
        for cls in ours
        if not issubclass(cls, core_forms.LimitedTextMixin)
    )
    assert missing == [], "forms not built on core.forms.Form / ModelForm"
    filtersets = [
        cls for cls in _subclasses(django_filters.FilterSet) if cls.__module__.split(".")[0] in APPS
    ]
    assert filtersets
    for cls in filtersets:
        assert issubclass(cls._meta.form, core_forms.LimitedTextMixin), cls


class _Sample(core_forms.Form):
    title = forms.CharField(max_length=core_forms.TITLE_MAX)
    body = forms.CharField(widget=forms.Textarea, required=False)
    line = forms.CharField(required=False)
    address = forms.CharField(widget=forms.Textarea, required=False)
    text_limits = {"address": 1000}


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"title": "t" * 201}, "title", "max_length"),
        ({"body": "b" * (core_forms.TEXT_MAX + 1)}, "body", "max_length"),
        ({"line": "l" * (core_forms.LINE_MAX + 1)}, "line", "max_length"),
        ({"address": "a" * 1001}, "address", "max_length"),
        ({"body": "NUL \x00"}, "body", "unstorable"),
        ({"line": "half \ud800 of a pair"}, "line", "unstorable"),
    ],
)
def test_text_past_its_limit_or_unstorable_is_refused_and_kept(data, field, code):
    form = _Sample({"title": "ok", **data})
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()[field]] == [code]
    # The one message for a NUL (Django's own check is replaced, not doubled).
    assert len(form.errors[field]) == 1
    assert form[field].value() == data[field]


def test_limits_show_in_one_line_inputs_only():
    form = _Sample()
    assert 'maxlength="255"' in str(form["line"])
    assert "maxlength" not in str(form["body"])  # a browser would cut a paste silently
    assert _Sample({"title": "Bonjour", "body": "b" * core_forms.TEXT_MAX}).is_valid()


def test_a_long_text_is_cut_at_a_paragraph_a_line_or_a_word():
    assert cut_long("short") == ("short", "")
    text = "a" * 60 + "\n\n" + "b" * 30 + "\n" + "c" * 5 + " " + "d" * 40
    start, rest = cut_long(text, 100)
    assert start + rest == text and start == "a" * 60 + "\n\n"
    start, rest = cut_long("x" * 250, 100)
    assert (len(start), len(rest)) == (100, 150)
    words = "word " * 50
    start, rest = cut_long(words, 100)
    assert start + rest == words and len(start) <= 100 and rest.startswith("word")
