from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('commerce', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InboundEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event_id', fields.CharField(unique=True, max_length=64)),
                ('payload', fields.TextField(unique=False)),
                ('partition', fields.SmallIntField(default=0)),
                ('status', fields.CharField(default='pending', max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('received_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('processed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'inbound_events', 'app': 'commerce', 'indexes': [Index(fields=['status', 'partition', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='LineGroup',
            name='member_count',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Notification',
            name='billed',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Notification',
            name='channel',
            field=fields.CharField(default='push', db_default='push', max_length=8),
        ),
        ops.AddField(
            model_name='Notification',
            name='reply_token',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.DeleteModel(name='ProcessedEvent'),
    ]
