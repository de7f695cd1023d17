from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

from commerce.migration_ops import DropNotNull

class Migration(migrations.Migration):
    dependencies = [('commerce', '0008_message_cost')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('action', fields.CharField(max_length=24)),
                ('order', fields.ForeignKeyField('commerce.Order', source_field='order_id', null=True, db_constraint=True, to_field='id', related_name='audit', on_delete=OnDelete.CASCADE)),
                ('subject_id', fields.IntField(null=True)),
                ('detail', fields.CharField(default='', max_length=300)),
                ('actor', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_entries', 'app': 'commerce', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Discount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.ForeignKeyField('commerce.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='discounts', on_delete=OnDelete.CASCADE)),
                ('amount', fields.IntField()),
                ('kind', fields.CharField(max_length=12)),
                ('status', fields.CharField(default='active', max_length=12)),
                ('reason', fields.CharField(default='', max_length=200)),
                ('actor', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('voided_by', fields.CharField(default='', max_length=100)),
                ('voided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'discounts', 'app': 'commerce', 'indexes': [Index(fields=['order_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Shift',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.CharField(db_index=True, max_length=100)),
                ('open_key', fields.CharField(null=True, unique=True, max_length=100)),
                ('float_cash', fields.IntField()),
                ('opened_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('counted_cash', fields.IntField(null=True)),
                ('expected_cash', fields.IntField(null=True)),
                ('report', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'shifts', 'app': 'commerce', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='PrintJob',
            name='shift',
            field=fields.ForeignKeyField('commerce.Shift', source_field='shift_id', null=True, db_constraint=True, to_field='id', related_name='print_jobs', on_delete=OnDelete.CASCADE),
        ),
        # In place: a SQLite table rebuild would cascade-delete the stock ledger (commerce/migration_ops.py).
        DropNotNull(
            model_name='OrderLine',
            name='item',
            field=fields.ForeignKeyField('commerce.Item', source_field='item_id', null=True, db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='OrderLine',
            name='name',
            field=fields.CharField(null=True, max_length=200),
        ),
    ]
