from rest_framework.parsers import JSONParser


class JSONBodyMixin:
    """Request bodies are JSON only (anything else is 415).

    Form encodings carry every value as a string, which would defeat the strict
    types of the input serializers ("false" is not false).
    """

    parser_classes = [JSONParser]
