"""What a worker's browser makes of a rendered task: the Crowd HTML Elements and their attributes.

The rendered HTML is parsed with ``html.parser`` (entities in attribute values are
decoded, as a browser does). Attribute values that hold data (``labels``,
``categories``, ``overlay``) are JSON or, as AWS's own examples write them,
JavaScript object literals (single-quoted strings, bare keys, trailing commas:
sms-ui-template-crowd-image-classifier, sms-ui-template-crowd-bounding-box);
``attribute_value`` reads both.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

# Answering elements the sandbox's workers know, with their documented output shapes
# (sms-ui-template-crowd-bounding-box "Output"; sms-ui-template-crowd-image-classifier "Output").
BOUNDING_BOX = "crowd-bounding-box"
IMAGE_CLASSIFIER = "crowd-image-classifier"
CLASSIFIER = "crowd-classifier"
# sms-ui-template-crowd-semantic-segmentation "Output"; sms-ui-template-crowd-image-classifier-multi "Output".
SEMANTIC_SEGMENTATION = "crowd-semantic-segmentation"
MULTI_SELECT = "crowd-image-classifier-multi-select"
ANSWERING = (BOUNDING_BOX, IMAGE_CLASSIFIER, CLASSIFIER, SEMANTIC_SEGMENTATION, MULTI_SELECT)


@dataclass
class CrowdElement:
    """One answering crowd element: its tag, attributes and the tags nested in it."""

    tag: str
    attrs: dict[str, str]
    nested: list[str] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        return self.attrs.get("name")


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[CrowdElement] = []
        self._open: list[CrowdElement] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for element in self._open:
            element.nested.append(tag)
        if tag in ANSWERING:
            element = CrowdElement(tag, {key: value or "" for key, value in attrs})
            self.elements.append(element)
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ANSWERING:
            for index in range(len(self._open) - 1, -1, -1):
                if self._open[index].tag == tag:
                    del self._open[index:]
                    break


def crowd_elements(html: str) -> list[CrowdElement]:
    """The answering crowd elements of a rendered task, in document order."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.elements


def first(elements: list[CrowdElement], *tags: str) -> CrowdElement | None:
    return next((element for element in elements if element.tag in tags), None)


class BadAttribute(ValueError):
    """An attribute value is neither JSON nor a JavaScript object literal."""


_TOKEN = re.compile(
    r'''(?P<dq>"(?:[^"\\]|\\.)*")|(?P<sq>'(?:[^'\\]|\\.)*')|(?P<word>[A-Za-z_$][\w$-]*)|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'''
    r'''|(?P<punct>[{}\[\]:,])|(?P<space>\s+)|(?P<other>.)''',
    re.DOTALL,
)


def attribute_value(text: str) -> Any:
    """An attribute's data: JSON, or a JavaScript literal as AWS's examples write it."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        pass
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "space":
            continue
        if kind == "other":
            raise BadAttribute(f"unexpected {value!r} in {text[:60]!r}")
        if kind == "sq":
            inner = value[1:-1].replace("\\'", "'").replace('"', '\\"')
            value = f'"{inner}"'
        elif kind == "word" and value not in ("true", "false", "null"):
            value = json.dumps(value)
        if value in ("}", "]") and tokens and tokens[-1] == ",":
            tokens.pop()  # trailing comma
        tokens.append(value)
    try:
        return json.loads("".join(tokens))
    except json.JSONDecodeError as error:
        raise BadAttribute(f"{error.msg} in {text[:60]!r}") from None
