"""Date formats per language, on top of Django's (FORMAT_MODULE_PATH).

Templates name formats, not patterns (`|date:"SHORT_DATE_FORMAT"`), so each language
shows dates its own way. English keeps what the portal has always shown: ISO dates,
short month names, and times with seconds, which evidence needs.
"""
