from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('commerce', '0006_stamp_order')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Member',
            name='follows',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
