from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('commerce', '0010_member_notes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ApiToken',
            name='last_used_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ApiToken',
            name='revoked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.CreateModel(
            name='StaffChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=100)),
                ('action', fields.CharField(max_length=20)),
                ('username', fields.CharField(default='', max_length=64)),
                ('token_id', fields.IntField(null=True)),
                ('detail', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'staff_changes', 'app': 'commerce', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
