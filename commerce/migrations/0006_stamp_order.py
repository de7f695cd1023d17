from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('commerce', '0005_staff_sessions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Lease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('holder', fields.CharField(max_length=100)),
                ('expires_ms', fields.BigIntField()),
            ],
            options={'table': 'leases', 'app': 'commerce', 'pk_attr': 'name'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='InboundEvent',
            name='due_ms',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='InboundEvent',
            name='stamp_ms',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddIndex(
            model_name='InboundEvent',
            index=Index(fields=['status', 'stamp_ms']),
        ),
    ]
