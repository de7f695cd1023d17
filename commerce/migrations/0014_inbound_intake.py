from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('commerce', '0013_campaign_changes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InboundIntake',
            fields=[
                ('process', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100)),
                ('open_since_ms', fields.BigIntField(null=True)),
                ('beat_ms', fields.BigIntField()),
            ],
            options={'table': 'inbound_intake', 'app': 'commerce', 'pk_attr': 'process'},
            bases=['Model'],
        ),
    ]
