from django.db import migrations

from guanxi.core.search import direct_index_operation


class Migration(migrations.Migration):
    dependencies = [("sales", "0006_targets_forecasts")]

    operations = [direct_index_operation("sales_opportunity")]
