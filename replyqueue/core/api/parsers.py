"""JSON parsing for the API and the platform webhooks: JSON nested deeper than Python can decode
(e.g. 100,000 nested lists) is refused as invalid input (400), never a RecursionError (500)."""

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError

TOO_DEEP = "Invalid JSON: nested too deeply."


class JSONTooDeep(ValueError):
    pass


def json_loads(body: bytes | str):
    """json.loads; JSONTooDeep for nesting deeper than the decoder's recursion limit."""
    try:
        return json.loads(body)
    except RecursionError:
        raise JSONTooDeep(TOO_DEEP) from None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
