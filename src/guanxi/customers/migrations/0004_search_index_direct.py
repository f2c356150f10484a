from django.db import migrations

from guanxi.core.search import direct_index_operation


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_contact_updated_indexes")]

    operations = [
        direct_index_operation("customers_account"),
        direct_index_operation("customers_contact"),
    ]
