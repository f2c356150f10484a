from django.db import migrations

from guanxi.sales.totals import per_statement_operation


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0009_reports_indexes"),
    ]

    operations = [per_statement_operation()]
