from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('commerce', '0011_staff_admin')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Checkout',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('commerce.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='checkouts', on_delete=OnDelete.CASCADE)),
                ('order_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('total', fields.IntField()),
                ('payments_given', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('actor', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'checkouts', 'app': 'commerce', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Payment',
            name='checkout',
            field=fields.ForeignKeyField('commerce.Checkout', source_field='checkout_id', null=True, db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='Payment',
            name='parent',
            field=fields.ForeignKeyField('commerce.Payment', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='parts', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='PrintJob',
            name='checkout',
            field=fields.ForeignKeyField('commerce.Checkout', source_field='checkout_id', null=True, db_constraint=True, to_field='id', related_name='print_jobs', on_delete=OnDelete.CASCADE),
        ),
    ]
