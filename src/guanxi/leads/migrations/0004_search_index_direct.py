from django.db import migrations

from guanxi.core.search import direct_index_operation


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_owner_status_index")]

    operations = [direct_index_operation("leads_lead")]
