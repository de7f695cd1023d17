from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('commerce', '0007_member_follows')]

    initial = False

    operations = [
        ops.AddField(
            model_name='LineGroup',
            name='member_count_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='CampaignGroup',
            name='close_notice',
            field=fields.CharField(default='', db_default='', max_length=8),
        ),
        ops.AddField(
            model_name='Notification',
            name='tried_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Notification',
            name='approved_by',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.CreateModel(
            name='PushMonth',
            fields=[
                ('month', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=7)),
                ('billed', fields.IntField(default=0)),
                ('line_quota', fields.IntField(null=True)),
                ('line_used', fields.IntField(null=True)),
                ('line_checked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('limit_reached_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'push_months', 'app': 'commerce', 'pk_attr': 'month'},
            bases=['Model'],
        ),
    ]
