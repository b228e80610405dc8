import secrets
import uuid

from django.db import migrations, models

import notifications.models


def fill(apps, schema_editor):
    """Existing webhooks get a signing secret; existing posts a delivery id each."""
    ChatWebhook = apps.get_model("notifications", "ChatWebhook")
    WebhookPost = apps.get_model("notifications", "WebhookPost")
    for webhook in ChatWebhook.objects.filter(secret=""):
        webhook.secret = secrets.token_hex(32)
        webhook.save(update_fields=["secret"])
    for post in WebhookPost.objects.filter(delivery_id__isnull=True).only("pk"):
        post.delivery_id = uuid.uuid4()
        post.save(update_fields=["delivery_id"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_outbox_and_webhooks")]

    operations = [
        migrations.AddField(
            model_name="chatwebhook",
            name="secret",
            field=models.CharField(default="", max_length=64, verbose_name="signing secret"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="webhookpost",
            name="delivery_id",
            field=models.UUIDField(
                editable=False, null=True, unique=True, verbose_name="delivery id"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="chatwebhook",
            name="secret",
            field=models.CharField(
                default=notifications.models.new_secret,
                max_length=64,
                verbose_name="signing secret",
            ),
        ),
        migrations.AlterField(
            model_name="webhookpost",
            name="delivery_id",
            field=models.UUIDField(
                default=uuid.uuid4,
                editable=False,
                null=True,
                unique=True,
                verbose_name="delivery id",
            ),
        ),
    ]
