"""Messages get a content identity (Message-IDs are no longer unique), their raw bytes move
from a database column to file storage (kept for every message from now on), ignored and
flagged ones a category, and mailboxes the trust settings for sender authentication."""

import hashlib

from django.core.files.base import ContentFile
from django.db import migrations, models

from intake.identity import content_hash


def move_raw_to_files(apps, schema_editor):
    InboundMessage = apps.get_model("intake", "InboundMessage")
    seen = set()
    for record in InboundMessage.objects.order_by("pk").iterator(chunk_size=200):
        raw = bytes(record.raw) if record.raw is not None else b""
        identity = content_hash(raw) if raw else ""
        if not identity or identity in seen:
            # Older rows without bytes (tickets and replies) keep an identity of their own.
            identity = hashlib.sha256(
                f"legacy:{record.pk}:{record.message_id}".encode()
            ).hexdigest()
        seen.add(identity)
        record.content_hash = identity
        fields = ["content_hash"]
        if raw:
            record.raw_file.save(f"{identity}.eml", ContentFile(raw), save=False)
            fields.append("raw_file")
        record.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_mailboxes_and_inbound_log")]

    operations = [
        migrations.AlterField(
            model_name="inboundmessage",
            name="message_id",
            field=models.CharField(db_index=True, max_length=255, verbose_name="Message-ID"),
        ),
        migrations.AddField(
            model_name="inboundmessage",
            name="content_hash",
            field=models.CharField(max_length=64, null=True, verbose_name="content hash"),
        ),
        migrations.AddField(
            model_name="inboundmessage",
            name="raw_file",
            field=models.FileField(
                blank=True,
                editable=False,
                max_length=255,
                upload_to="inbound/",
                verbose_name="original message",
            ),
        ),
        migrations.RunPython(move_raw_to_files, migrations.RunPython.noop),
        migrations.RemoveField(model_name="inboundmessage", name="raw"),
        migrations.AlterField(
            model_name="inboundmessage",
            name="content_hash",
            field=models.CharField(max_length=64, unique=True, verbose_name="content hash"),
        ),
        migrations.AddField(
            model_name="inboundmessage",
            name="category",
            field=models.CharField(
                blank=True,
                choices=[
                    ("auto_reply", "Automatic reply"),
                    ("bounce", "Delivery failure"),
                    ("list", "Mailing list or bulk mail"),
                    ("own_address", "Sent by the helpdesk"),
                    ("unverified", "Unverified sender"),
                    ("unknown_sender", "Unknown sender"),
                    ("not_allowed", "Sender may not reply"),
                ],
                max_length=16,
                verbose_name="category",
            ),
        ),
        migrations.AddField(
            model_name="inboundmessage",
            name="evidence",
            field=models.JSONField(blank=True, default=dict, verbose_name="sender evidence"),
        ),
        migrations.AddField(
            model_name="mailbox",
            name="trusted_authserv_ids",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The authserv-id your mail server writes in its Authentication-Results headers "
                    "(e.g. mx.example.com), comma-separated. Its SPF, DKIM and DMARC results vouch "
                    "for senders; the server must remove such headers that arrive from outside."
                ),
                max_length=500,
                verbose_name="trusted authentication servers",
            ),
        ),
        migrations.AddField(
            model_name="mailbox",
            name="verify_dkim",
            field=models.BooleanField(
                default=False,
                help_text="The helpdesk checks DKIM signatures itself (DNS lookups at each message).",
                verbose_name="verify DKIM signatures",
            ),
        ),
        migrations.AddIndex(
            model_name="inboundmessage",
            index=models.Index(
                fields=["outcome", "category", "-received_at"], name="inbound_category_idx"
            ),
        ),
    ]
