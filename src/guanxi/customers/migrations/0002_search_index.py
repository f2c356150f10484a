from django.db import migrations

from guanxi.core.search import search_index_operation


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        search_index_operation("customers_account"),
        search_index_operation("customers_contact"),
    ]
