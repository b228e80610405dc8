"""Form rendering: the project's templates (templates/django/forms/), with the ones every
page renders most written in Python: <select>, <input>, <textarea>, the field group and the
label.

Django renders a select through one template per option (select.html includes
select_option.html, which includes attrs.html): about a tenth of a millisecond an option, and
the queue, the bulk bar and the ticket page's side forms show hundreds of options; each field
group, label, input and textarea is a template render too (the ticket page has dozens, each
about 0.3 ms). The output here is the
same, byte for byte, as those templates' (tests/foundation/test_forms_renderer.py checks it),
so the templates stay the reference for the markup.
"""

from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
FIELD = "django/forms/field.html"
LABEL = "django/forms/label.html"
TEXTAREA = "django/forms/widgets/textarea.html"
# Django's widget templates that only include django/forms/widgets/input.html.
INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        html = None
        if request is None:
            if template_name == SELECT:
                html = render_select(context["widget"])
            elif template_name in INPUTS:
                html = render_input(context["widget"])
            elif template_name == TEXTAREA:
                html = render_textarea(context["widget"])
            elif template_name == FIELD and set(context) == {"field"}:
                html = render_field(context["field"])
            elif template_name == LABEL:
                html = render_label(**context)
        if html is None:
            return super().render(template_name, context, request)
        return html


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


def _opening(head: str, widget, css: str, value: str = "") -> str:
    """The opening tag the widget templates write: head, name, value, class (css, then the
    widget's own class), the other attributes."""
    extra = widget["attrs"].get("class")
    css = f"{css} {_var(extra)}" if extra else css
    return f'{head} name="{_var(widget["name"])}"{value} class="{css}"{_attrs(widget["attrs"])}>'


def render_select(widget) -> str | None:
    """templates/django/forms/widgets/select.html with Django's select_option.html; None when
    an option uses another template (then the templates render it)."""
    out = [_opening("<select", widget, "form-select")]
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


def render_input(widget) -> str | None:
    """templates/django/forms/widgets/input.html; None for a value that is not text (then the
    template writes it)."""
    value = widget["value"]
    if value is not None and not isinstance(value, str):
        return None
    kind = widget["type"]
    # {{ value|stringformat:'s' }}: a safe value stays unescaped (an is_safe filter)
    shown = "" if value is None else f' value="{conditional_escape(value)}"'
    css = "form-check-input" if kind in ("checkbox", "radio") else "form-control"
    html = _opening(f'<input type="{_var(kind)}"', widget, css, shown)
    return mark_safe(html)  # noqa: S308 - every value above is escaped


def render_textarea(widget) -> str:
    """templates/django/forms/widgets/textarea.html."""
    value = _var(widget["value"]) if widget["value"] else ""
    html = f"{_opening('<textarea', widget, 'form-control')}\n{value}</textarea>"
    return mark_safe(html)  # noqa: S308 - every value above is escaped


def render_field(field) -> str:
    """templates/django/forms/field.html (the renderer strips its last newline)."""
    checkbox = field.widget_type == "checkbox"
    out = []
    if field.use_fieldset:
        out.append('<fieldset class="mb-3">')
        if field.label:
            out.append(f'<legend class="form-label fs-6">{_var(field.label)}')
            if field.field.required:
                out.append(' <span class="text-danger" aria-hidden="true">*</span>')
            out.append("</legend>")
        out.append("\n")
    elif checkbox:
        out.append('<div class="form-check mb-3">\n')
    else:
        out.append('<div class="mb-3">')
        if field.label:
            out.append(field.label_tag())
        out.append("\n")
    out.append(str(field))
    if checkbox:
        out.append(field.label_tag())
    out.append("\n")
    if field.help_text:
        out.append('<div class="form-text"')
        if field.auto_id:
            out.append(f' id="{_var(field.auto_id)}_helptext"')
        out.append(f">{field.help_text}</div>")  # |safe in the template
    out.append("\n")
    if field.errors:
        out.append(f'<ul class="errorlist" id="{_var(field.auto_id)}_error">')
        out.extend(f"<li>{_var(error)}</li>" for error in field.errors)
        out.append("</ul>")
    out.append("\n")
    out.append("</fieldset>" if field.use_fieldset else "</div>")
    return mark_safe("".join(out))  # noqa: S308 - escaped, or safe HTML from forms


def render_label(*, field, label, attrs, use_tag, tag) -> str:
    """templates/django/forms/label.html."""
    if not use_tag:
        return mark_safe(_var(label))  # noqa: S308 - escaped
    attrs = attrs or {}
    out = [f"<{_var(tag)}"]
    if attrs.get("class"):
        out.append(f' class="{_var(attrs["class"])}"')
    elif tag == "label":
        css = "form-check-label" if field.widget_type == "checkbox" else "form-label"
        out.append(f' class="{css}"')
    if attrs.get("for"):
        out.append(f' for="{_var(attrs["for"])}"')
    if attrs.get("id"):
        out.append(f' id="{_var(attrs["id"])}"')
    out.append(f">{_var(label)}</{_var(tag)}>")
    return mark_safe("".join(out))  # noqa: S308 - escaped
