"""Drop the single-column indexes that Django made for foreign keys already leading a
composite index of the same table (see `core.models.workspace_key`): every bulk insert
paid for them and no query needed them. Only the model state changes otherwise, so
SQLite does not rebuild the tables."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_drop_redundant_indexes"),
        ("customers", "0002_duplicates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS customers_contact_workspace_id_1dba30fd",
                    reverse_sql="CREATE INDEX customers_contact_workspace_id_1dba30fd ON customers_contact (workspace_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS customers_contactlabel_contact_id_b98ed869",
                    reverse_sql="CREATE INDEX customers_contactlabel_contact_id_b98ed869 ON customers_contactlabel (contact_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS customers_contactlabel_workspace_id_ad46f3dd",
                    reverse_sql="CREATE INDEX customers_contactlabel_workspace_id_ad46f3dd ON customers_contactlabel (workspace_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS customers_contactteam_contact_id_af4a0231",
                    reverse_sql="CREATE INDEX customers_contactteam_contact_id_af4a0231 ON customers_contactteam (contact_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS customers_contactteam_workspace_id_e89df11e",
                    reverse_sql="CREATE INDEX customers_contactteam_workspace_id_e89df11e ON customers_contactteam (workspace_id)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="contactlabel",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="contactlabel",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="contactteam",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shares",
                        to="customers.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="contactteam",
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
