"""The API's reference for developers, as a page of the site (URL name `api_reference`).

Read from the OpenAPI schema drf-spectacular generates from the code, so the page cannot drift
from the API: every operation, parameter, body field, response and object of /api/v1/ is listed.
The schema is generated in the page's language (summaries, descriptions, help texts and enum
labels are translated strings) and kept per language for the life of the process: it only changes
with the code. The machine-readable schema stays at /api/schema/ for client generators.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")
INT32_MAX = 2_147_483_647


@dataclass(frozen=True)
class Field:
    name: str
    type: SafeString  # words, with a link to the object it refers to
    description: SafeString
    required: bool = False
    where: str = ""  # a parameter's place: path or query


@dataclass(frozen=True)
class Response:
    status: str
    description: SafeString
    type: SafeString


@dataclass(frozen=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: SafeString
    parameters: tuple[Field, ...]
    body: tuple[Field, ...]
    responses: tuple[Response, ...]


@dataclass(frozen=True)
class Group:
    anchor: str
    title: str
    description: SafeString
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class ObjectSchema:
    anchor: str
    name: str
    description: SafeString
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Reference:
    version: str
    groups: tuple[Group, ...]
    objects: tuple[ObjectSchema, ...]

    @property
    def operation_count(self) -> int:
        return sum(len(group.operations) for group in self.groups)


def reference(language: str) -> Reference:
    """The API's reference in `language` (generated once per language and process)."""
    return _reference(translation.get_supported_language_variant(language))


@lru_cache(maxsize=4)
def _reference(language: str) -> Reference:
    with translation.override(language):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        # Translated strings are lazy: made text here, inside the language.
        schema = json.loads(json.dumps(schema, cls=DjangoJSONEncoder))
        return _Reader(schema).read()


def markup(text: str | None) -> SafeString:
    """The schema's descriptions are CommonMark-lite: `code`, and "* `value` - label" lists (drf-
    spectacular's enum labels). Escaped first: nothing in them is trusted as HTML."""
    blocks, items = [], []
    for line in (text or "").strip().splitlines():
        if line.startswith("* "):
            items.append(format_html("<li>{}</li>", _code(line[2:].replace(" - ", " – ", 1))))
            continue
        if items:
            blocks.append(format_html("<ul>{}</ul>", mark_safe("".join(items))))
            items = []
        if line.strip():
            blocks.append(format_html("<p>{}</p>", _code(line.strip())))
    if items:
        blocks.append(format_html("<ul>{}</ul>", mark_safe("".join(items))))
    return mark_safe("".join(blocks))


def _code(text: str) -> SafeString:
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)))


def object_anchor(name: str) -> str:
    return f"object-{name}"


class _Reader:
    """One pass over a schema: groups of operations in the tags' order, then the objects."""

    def __init__(self, schema: dict):
        self.schema = schema
        self.components = schema.get("components", {}).get("schemas", {})
        self.body_objects: set[str] = set()

    def read(self) -> Reference:
        tags = self.schema.get("tags", [])
        operations: dict[str, list[Operation]] = {tag["name"]: [] for tag in tags}
        for path, item in self.schema["paths"].items():
            for method in METHODS:
                if method in item:
                    tag = (item[method].get("tags") or ["other"])[0]
                    operations.setdefault(tag, []).append(self.operation(path, method, item[method]))
        titles = {tag["name"]: tag for tag in tags}
        groups = tuple(
            Group(
                anchor=f"group-{name}",
                title=titles.get(name, {}).get("x-displayName", name),
                description=markup(titles.get(name, {}).get("description")),
                operations=tuple(rows),
            )
            for name, rows in operations.items()
            if rows
        )
        objects = tuple(
            ObjectSchema(
                object_anchor(name), name, markup(component.get("description")), self.fields(component)
            )
            for name, component in sorted(self.components.items())
            # Objects with fields, and free-form ones (ValidationError: messages by field name).
            if ("properties" in component or "additionalProperties" in component)
            and not self._is_page(name)
            and name not in self.body_objects
        )
        return Reference(version=self.schema["info"]["version"], groups=groups, objects=objects)

    def operation(self, path: str, method: str, operation: dict) -> Operation:
        parameters = tuple(
            Field(
                name=parameter["name"],
                type=self.type(parameter.get("schema", {})),
                description=markup(parameter.get("description")),
                required=bool(parameter.get("required")),
                where=parameter["in"],
            )
            for parameter in operation.get("parameters", [])
        )
        body = ()
        if content := operation.get("requestBody", {}).get("content", {}).get("application/json"):
            target = content["schema"]
            if "$ref" in target:
                name = self._ref_name(target)
                self.body_objects.add(name)
                target = self.components[name]
            body = self.fields(target, required=True)
        return Operation(
            anchor=f"operation-{operation['operationId']}",
            method=method.upper(),
            path=path,
            summary=operation.get("summary") or f"{method.upper()} {path}",
            description=markup(operation.get("description")),
            parameters=parameters,
            body=body,
            responses=tuple(
                Response(
                    status=status,
                    description=markup(answer.get("description")) or markup(_status_text(status)),
                    type=self.type(answer["content"]["application/json"]["schema"])
                    if "application/json" in answer.get("content", {})
                    else mark_safe(""),
                )
                for status, answer in sorted(operation.get("responses", {}).items())
            ),
        )

    def fields(self, component: dict, required: bool = False) -> tuple[Field, ...]:
        """An object's properties; with `required`, marks those a request must send."""
        needed = set(component.get("required", [])) if required else set()
        rows = []
        for name, prop in component.get("properties", {}).items():
            description = prop.get("description") or self._enum_labels(prop) or prop.get("title", "")
            rows.append(Field(name, self.type(prop), markup(description), name in needed))
        return tuple(rows)

    def type(self, schema: dict) -> SafeString:
        """A schema in words: "list of <Slot>", "integer, 1 to 2000", "date-time, or null"."""
        words = self._base_type(schema)
        notes = []
        if schema.get("maximum", 0) >= INT32_MAX:  # the database column's limit, not a rule to tell
            schema = {key: value for key, value in schema.items() if key != "maximum"}
        if "minimum" in schema and "maximum" in schema:
            notes.append(_("%(min)s to %(max)s") % {"min": schema["minimum"], "max": schema["maximum"]})
        elif "minimum" in schema:
            notes.append(_("at least %(min)s") % {"min": schema["minimum"]})
        if "maxLength" in schema:
            notes.append(_("at most %(count)s characters") % {"count": schema["maxLength"]})
        if schema.get("nullable"):
            notes.append(_("or null"))
        return format_html("{}{}", words, ", " + ", ".join(notes) if notes else "")

    def _base_type(self, schema: dict) -> SafeString:
        if "$ref" in schema:
            name = self._ref_name(schema)
            target = self.components[name]
            if "enum" in target:
                return format_html("{}", target.get("type", "string"))
            if self._is_page(name):
                items = target["properties"]["results"]["items"]
                return format_html(_("page of {}"), self._base_type(items))
            return format_html('<a href="#{}">{}</a>', object_anchor(name), name)
        if "allOf" in schema:
            return self._base_type(schema["allOf"][0])
        kind = schema.get("type", "")
        if kind == "array":
            return format_html(_("list of {}"), self._base_type(schema.get("items", {})))
        if kind == "object" and "additionalProperties" in schema:
            return format_html("{}", _("object (free keys)"))
        return format_html("{}", schema.get("format") or kind or _("any"))

    def _enum_labels(self, prop: dict) -> str:
        """A field whose type is an enum component: the component's list of values and labels."""
        ref = prop.get("$ref") or (prop.get("allOf") or [{}])[0].get("$ref")
        if ref:
            return self.components[ref.rsplit("/", 1)[1]].get("description", "")
        return ""

    @staticmethod
    def _ref_name(schema: dict) -> str:
        return schema["$ref"].rsplit("/", 1)[1]

    def _is_page(self, name: str) -> bool:
        return name.startswith("Paginated") and "results" in self.components[name].get("properties", {})


def _status_text(status: str) -> str:
    return {
        "200": _("Success."),
        "201": _("Created."),
        "204": _("Done; nothing to return."),
    }.get(status, "")
