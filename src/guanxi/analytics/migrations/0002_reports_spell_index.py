# The funnel reads a cohort's stage history from this index alone (benchmarks/sales.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='stagespell',
            index=models.Index(fields=['opportunity', 'stage', 'seconds'], name='spell_funnel_idx'),
        ),
    ]
