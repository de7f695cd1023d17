from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('commerce', '0012_checkout')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Campaign',
            name='note',
            field=fields.TextField(default='', db_default=''),
        ),
        ops.AddField(
            model_name='Campaign',
            name='cancel_reason',
            field=fields.CharField(default='', db_default='', max_length=500),
        ),
        ops.AddField(
            model_name='CampaignGroup',
            name='change_notice',
            field=fields.CharField(default='', db_default='', max_length=12),
        ),
    ]
