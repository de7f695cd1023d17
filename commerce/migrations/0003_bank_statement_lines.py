from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('commerce', '0002_inbound_events')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BankStatementLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('batch', fields.CharField(db_index=True, max_length=64)),
                ('booked_on', fields.DateField(db_index=True)),
                ('amount', fields.IntField()),
                ('last5', fields.CharField(default='', db_index=True, max_length=5)),
                ('memo', fields.CharField(default='', max_length=200)),
                ('fingerprint', fields.CharField(unique=True, max_length=64)),
                ('payment', fields.ForeignKeyField('commerce.Payment', source_field='payment_id', null=True, db_constraint=True, to_field='id', related_name='bank_lines', on_delete=OnDelete.CASCADE)),
                ('imported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bank_statement_lines', 'app': 'commerce', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
