# Indexes for the sales reports at a million orders (benchmarks/sales.py): what they sum is
# read from the indexes alone; open instalments have small indexes of their own.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0008_orders_contracts_payments'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='order',
            name='order_booked_idx',
        ),
        migrations.RemoveIndex(
            model_name='receipt',
            name='receipt_received_idx',
        ),
        migrations.AddIndex(
            model_name='instalment',
            index=models.Index(condition=models.Q(('paid__lt', models.F('amount'))), fields=['organisation', 'owner', 'due_date', 'currency', 'amount', 'paid'], name='instalment_open_idx'),
        ),
        migrations.AddIndex(
            model_name='instalment',
            index=models.Index(condition=models.Q(('paid__lt', models.F('amount'))), fields=['organisation', 'account', 'owner', 'due_date', 'currency', 'amount', 'paid'], name='instalment_open_account_idx'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['organisation', 'pipeline', 'created_at', 'owner'], name='opp_created_idx'),
        ),
        migrations.AddIndex(
            model_name='opportunity',
            index=models.Index(fields=['organisation', 'status', 'expected_close', 'owner'], name='opp_expected_idx'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['organisation', 'status', 'confirmed_at', 'currency', 'owner', 'account', 'total'], name='order_revenue_idx'),
        ),
        migrations.AddIndex(
            model_name='orderline',
            index=models.Index(fields=['order', 'product', 'total', 'quantity'], name='orderline_order_idx'),
        ),
        migrations.AddIndex(
            model_name='receipt',
            index=models.Index(fields=['organisation', 'received_on', 'owner', 'currency', 'voided_at', 'account', 'amount'], name='receipt_collected_idx'),
        ),
    ]
