from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('commerce', '0003_bank_statement_lines')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Order',
            index=Index(fields=['member_id', 'status']),
        ),
        ops.AddIndex(
            model_name='OrderLine',
            index=Index(fields=['order_id', 'id']),
        ),
        ops.AddIndex(
            model_name='Payment',
            index=Index(fields=['order_id', 'id']),
        ),
    ]
