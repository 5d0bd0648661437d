# The portal's English dates as they were before the pages named formats.
DATE_FORMAT = "M j, Y"
SHORT_DATE_FORMAT = "Y-m-d"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "M j"
# Evidence times (the `utc` filter) to the second.
SHORT_DATETIME_FORMAT = "Y-m-d H:i:s"
