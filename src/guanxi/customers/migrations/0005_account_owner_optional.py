import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from guanxi.core.search import keep_triggers_operation


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_search_index_direct"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="account",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="owner",
            ),
        ),
        # SQLite copies the table to change the column; the search triggers come back.
        keep_triggers_operation("customers_account"),
    ]
