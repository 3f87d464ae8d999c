"""A small validator for the subset of JSON Schema our export schemas use (no extra dependency).

Supported: type (one or a list), enum, const, required, properties, additionalProperties (bool),
items, minItems, minLength, maxLength, pattern, minimum, maximum.
"""

from __future__ import annotations

import re
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _is(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def validate(instance: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Every violation as "path: problem"; an empty list means valid."""
    errors: list[str] = []
    expected = schema.get("type")
    if expected is not None:
        names = expected if isinstance(expected, list) else [expected]
        if not any(_is(instance, n) for n in names):
            return [f"{path}: cần kiểu {'/'.join(names)}"]
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: giá trị {instance!r} không thuộc {schema['enum']}")
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: phải là {schema['const']!r}")
    if isinstance(instance, dict):
        props: dict[str, Any] = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: thiếu trường {key}")
        for key, value in instance.items():
            if key in props:
                errors.extend(validate(value, props[key], f"{path}.{key}"))
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: trường lạ {key}")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{path}: cần ít nhất {schema['minItems']} phần tử")
        if "items" in schema:
            for i, item in enumerate(instance):
                errors.extend(validate(item, schema["items"], f"{path}[{i}]"))
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            errors.append(f"{path}: quá ngắn")
        if "maxLength" in schema and len(instance) > schema["maxLength"]:
            errors.append(f"{path}: dài quá {schema['maxLength']} ký tự")
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            errors.append(f"{path}: không khớp mẫu {schema['pattern']}")
    if _is(instance, "number"):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{path}: nhỏ hơn {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{path}: lớn hơn {schema['maximum']}")
    return errors
