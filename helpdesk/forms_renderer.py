"""Form rendering: the project's templates (templates/django/forms/), with <select> written
in Python.

Django renders a select through one template per option (select.html includes
select_option.html, which includes attrs.html): about a tenth of a millisecond an option, and
the queue, the bulk bar and the ticket page's side forms show hundreds of options. The output
here is the same, byte for byte, as those templates' (tests/foundation/test_forms_renderer.py
checks it), so the templates stay the reference for the markup.
"""

from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if template_name == SELECT and request is None:
            html = render_select(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)


def _var(value) -> str:
    """{{ value }} in a template: localized, escaped unless safe."""
    return conditional_escape(localize(template_localtime(value)))


def _attrs(attrs) -> str:
    """templates/django/forms/widgets/attrs.html (class is written by the widget's template),
    with the newline that ends that file."""
    out = []
    for name, value in attrs.items():
        if name == "class" or value is False:
            continue
        if value is True:
            out.append(f" {_var(name)}")
        else:
            # {{ value|stringformat:'s' }}: not localized
            out.append(f' {_var(name)}="{conditional_escape(value)}"')
    out.append("\n")
    return "".join(out)


def render_select(widget) -> str | None:
    """templates/django/forms/widgets/select.html with Django's select_option.html; None when
    an option uses another template (then the templates render it)."""
    css = widget["attrs"].get("class")
    out = [
        f'<select name="{_var(widget["name"])}" class="form-select',
        f" {_var(css)}" if css else "",
        '"',
        _attrs(widget["attrs"]),
        ">",
    ]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_var(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION:
                return None
            out.append(
                f'\n  <option value="{conditional_escape(option["value"])}"'
                f"{_attrs(option['attrs'])}>{_var(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")  # the renderer strips what the template ends with
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
