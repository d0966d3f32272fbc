from django import template

from service_points.forms import municipality_datalist as render_datalist

register = template.Library()


@register.simple_tag
def municipality_datalist():
    """`<datalist id="municipality-list">` of every municipality, for MunicipalityField inputs."""
    return render_datalist()
