import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from guanxi.leads.load import install_operation


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_approvals'),
        ('leads', '0005_pooled_accounts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OwnerLoad',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('open_leads', models.BigIntegerField(default=0)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.organisation')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('owner',), name='lead_load_owner_unique')],
            },
        ),
        install_operation(),
    ]
