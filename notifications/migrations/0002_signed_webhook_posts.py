import secrets
import uuid

import django.db.models.deletion
from django.conf import settings
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
    dependencies = [
        ("notifications", "0001_outbox_and_webhooks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="chatwebhook",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="personal_webhooks",
                to=settings.AUTH_USER_MODEL,
                verbose_name="owner",
            ),
        ),
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
