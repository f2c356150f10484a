"""Number formats for zh-Hans: Django's, with amounts grouped by thousands (¥1,234.50),
as Chinese business documents, invoices and banking apps write money."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
