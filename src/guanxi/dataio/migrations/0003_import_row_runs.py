from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dataio', '0002_dedupe_merge'),
    ]

    operations = [
        migrations.AddField(
            model_name='importrow',
            name='last_object_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
