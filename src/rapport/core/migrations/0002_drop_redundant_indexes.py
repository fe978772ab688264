"""Drop the single-column indexes that Django made for foreign keys already leading a
composite index of the same table (see `core.models.workspace_key`): every bulk insert
paid for them and no query needed them. Only the model state changes otherwise, so
SQLite does not rebuild the tables."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS core_activity_workspace_id_a1038ca2",
                    reverse_sql="CREATE INDEX core_activity_workspace_id_a1038ca2 ON core_activity (workspace_id)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="activity",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.workspace",
                    ),
                ),
            ],
        ),
    ]
