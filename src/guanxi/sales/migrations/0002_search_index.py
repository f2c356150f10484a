from django.db import migrations

from guanxi.core.search import search_index_operation


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]

    operations = [search_index_operation("sales_opportunity")]
