"""Ground Truth's worker-template renderer: Liquid with Ground Truth's filters and escaping.

Both the simulated labeling jobs and the sandbox's ``RenderUiTemplate`` render
templates here, so a template that Ground Truth could not render fails here too.

Documented behaviour (sms-custom-templates-step2-automate, "Adding automation with
Liquid" / "Variable filters",
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-custom-templates-step2-automate.html):
- the ``taskInput`` returned by the pre-annotation Lambda is ``task.input``;
- standard Liquid filters and tags, plus ``escape_once``, ``skip_autoescape``,
  ``to_json`` and ``grant_read_access`` (an S3 URI becomes an HTTPS URL with a
  short-lived token);
- "By default, inputs will be HTML escaped": every ``{{ }}`` output is
  HTML-escaped unless ``escape``/``escape_once`` already escaped it or
  ``skip_autoescape`` opts out. (The page's sample *output* for ``to_json``
  shows raw JSON, but its rule and the crowd-bounding-box page's Liquid example,
  which puts ``{{ label | to_json }}`` inside a double-quoted attribute, only
  work with escaping: we follow the rule.)
Undocumented, chosen here: an unknown filter is an error (python-liquid's
strict filters), an undefined variable renders empty (Liquid's default).
The page names ``skip_autoescape``; no AWS page documents a ``skip_encoding``
filter, so it is unknown here as any other undocumented filter.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import liquid
from liquid import Markup
from liquid.exceptions import LiquidError, LiquidSyntaxError, UnknownFilterError

from sandbox.ground_truth.s3io import S3ObjectMissing, split_s3_uri

# grant_read_access's URL form, as the filter's documented sample output shows it:
# https://s3.amazonaws.com/mybucket/myphoto.png?<access token and other params>
GRANTED_URL_PREFIX = "https://s3.amazonaws.com/"
_TOKEN_PARAMS = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"

# RenderingError codes. AWS documents the shape (Code, Message) but not the codes; "InvalidParameters" is
# the code Ground Truth's renderer reports for a bad grant_read_access input (as seen in A2I's
# "Task failed to render: [ InvalidParameters: ... ]"), the others are ours.
SYNTAX_ERROR = "TemplateSyntaxError"
UNKNOWN_FILTER = "UnknownFilter"
INVALID_PARAMETERS = "InvalidParameters"
RENDER_ERROR = "TemplateRenderError"


class TemplateError(Exception):
    """The template cannot be rendered: ``code`` and a one-line ``message``.

    ``template_fault`` is True when no task input could make it render (syntax, unknown filter):
    a labeling job with such a template fails as a whole.
    """

    def __init__(self, code: str, message: str, *, template_fault: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.template_fault = template_fault


def granted_url(uri: str) -> str:
    """The HTTPS URL grant_read_access makes of ``s3://bucket/key`` (a stand-in token, no real signature)."""
    bucket, key = split_s3_uri(uri)
    token = hashlib.sha256(uri.encode()).hexdigest()
    return f"{GRANTED_URL_PREFIX}{bucket}/{quote(key, safe='/')}?{_TOKEN_PARAMS}&X-Amz-Signature={token}"


def s3_uri_of_granted_url(url: str) -> str | None:
    """The s3:// URI a grant_read_access URL reads, or None if ``url`` is not one."""
    if not isinstance(url, str) or not url.startswith(GRANTED_URL_PREFIX):
        return None
    path = urlsplit(url).path.lstrip("/")
    bucket, _, key = path.partition("/")
    return f"s3://{bucket}/{unquote(key)}" if bucket and key else None


def _grant_read_access(value: Any) -> Markup:
    try:
        valid = isinstance(value, str) and bool(split_s3_uri(value)[1])
    except S3ObjectMissing:
        valid = False
    if not valid:
        raise _InputError(f'"grant_read_access" input is not a valid S3 URI: {_shown(value)}.')
    # The URL is for an attribute: '&' between parameters is escaped like any output.
    return Markup.escape(granted_url(value))


def _to_json(value: Any) -> str:
    return "null" if liquid.is_undefined(value) else json.dumps(value, ensure_ascii=False)


def _skip_autoescape(value: Any) -> Markup:
    return Markup("" if liquid.is_undefined(value) else str(value))


class _InputError(Exception):
    """A filter refused its input (InvalidParameters)."""


def _shown(value: Any) -> str:
    return '" "' if liquid.is_undefined(value) else json.dumps(value, default=str)


def _environment() -> liquid.Environment:
    env = liquid.Environment(autoescape=True, strict_filters=True)
    env.filters["grant_read_access"] = _grant_read_access
    env.filters["to_json"] = _to_json
    env.filters["skip_autoescape"] = _skip_autoescape
    return env


_ENV = _environment()


@dataclass(frozen=True)
class Template:
    """A parsed worker template."""

    source: str
    _parsed: Any

    def render(self, task_input: dict[str, Any]) -> str:
        """The HTML a worker gets for ``task_input`` (``task.input``); TemplateError if it does not render."""
        try:
            return self._parsed.render(task={"input": task_input})
        except _InputError as bad:
            raise TemplateError(INVALID_PARAMETERS, str(bad), template_fault=False) from None
        except UnknownFilterError as error:
            raise TemplateError(UNKNOWN_FILTER, _one_line(error), template_fault=True) from None
        except LiquidError as error:  # a filter fed a value of the wrong type, ...
            raise TemplateError(RENDER_ERROR, _one_line(error), template_fault=False) from None


def parse(source: str) -> Template:
    """Parse a worker template; TemplateError (template_fault) on a Liquid syntax error."""
    try:
        return Template(source, _ENV.from_string(source))
    except LiquidSyntaxError as error:
        raise TemplateError(SYNTAX_ERROR, _one_line(error), template_fault=True) from None
    except LiquidError as error:
        raise TemplateError(SYNTAX_ERROR, _one_line(error), template_fault=True) from None


def render(source: str, task_input: dict[str, Any]) -> str:
    """Parse and render in one step."""
    return parse(source).render(task_input)


def _one_line(error: LiquidError) -> str:
    """python-liquid's message with its line number, on one line."""
    message = getattr(error, "message", None) or str(error).splitlines()[0]
    token = getattr(error, "token", None)
    source = getattr(token, "source", None)
    start = getattr(token, "start_index", None)
    if isinstance(source, str) and isinstance(start, int):
        line = source.count("\n", 0, start) + 1
        return f"{message} (line {line})"
    return message
