"""What an admin change page would send as it stands: its form's fields and its inline formsets'
forms (tests change a few values and post it)."""

from django.forms import MultiWidget


def _field_data(form, *, prefixed: bool) -> dict:
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        key = form.add_prefix(name) if prefixed else name
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{key}_{i}"] = "" if part is None else part
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif value is None:
            data[key] = ""
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        else:
            data[key] = value
    return data


def admin_form_data(response, *, inlines: tuple[str, ...] = ()) -> dict:
    """The POST body of the admin page in `response`: the form as it stands; the inline formsets
    whose prefix is in `inlines` with their forms as rendered, the others empty (left alone)."""
    data = _field_data(response.context["adminform"].form, prefixed=False)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        prefix = formset.prefix
        if prefix not in inlines:
            data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
            continue
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": len(formset.forms),
                f"{prefix}-INITIAL_FORMS": formset.initial_form_count(),
            }
        )
        for form in formset.forms:
            data.update(_field_data(form, prefixed=True))
    return data
