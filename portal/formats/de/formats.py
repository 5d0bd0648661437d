# Django's German formats, with seconds for evidence times (the `utc` filter).
SHORT_DATETIME_FORMAT = "d.m.Y H:i:s"
# A date field renders its value in the first input format: <input type="date"> needs
# ISO. The German ways of typing a date are still accepted.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
