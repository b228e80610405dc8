"""Messages get a per-chat number (seq) in commit order; existing ones are numbered by id."""

from django.db import migrations, models


def number_existing(apps, schema_editor):
    Chat = apps.get_model("chat", "Chat")
    Message = apps.get_model("chat", "Message")
    for chat_id in Chat.objects.values_list("pk", flat=True).iterator():
        ids = list(
            Message.objects.filter(chat_id=chat_id).order_by("id").values_list("pk", flat=True)
        )
        for seq, pk in enumerate(ids, start=1):
            Message.objects.filter(pk=pk).update(seq=seq)
        Chat.objects.filter(pk=chat_id).update(last_seq=len(ids))


class Migration(migrations.Migration):
    dependencies = [("chat", "0001_create_chat")]

    operations = [
        migrations.AddField(
            model_name="chat",
            name="last_seq",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="last message number"
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="seq",
            field=models.PositiveIntegerField(default=0, verbose_name="number"),
            preserve_default=False,
        ),
        # Reversible: going back leaves the numbers, which the older code ignores.
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="message", name="chat_message_idx"),
        migrations.AlterModelOptions(
            name="message",
            options={
                "ordering": ["chat", "seq"],
                "verbose_name": "chat message",
                "verbose_name_plural": "chat messages",
            },
        ),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                fields=("chat", "seq"), name="chat_message_seq_unique"
            ),
        ),
    ]
