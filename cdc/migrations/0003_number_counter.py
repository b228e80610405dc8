# Change requests take their numbers from the named counter "cdc" (tickets.TicketCounter), like
# tickets: start it at the highest number already given. Rerunnable (never lowers the counter);
# reversing removes the row (numbers then come from the highest again if it is recreated).

from django.db import migrations
from django.db.models import Max


def start_counter(apps, schema_editor):
    ChangeRequest = apps.get_model("cdc", "ChangeRequest")
    Counter = apps.get_model("tickets", "TicketCounter")
    highest = ChangeRequest.objects.aggregate(highest=Max("number"))["highest"] or 0
    counter, _created = Counter.objects.get_or_create(name="cdc")
    if counter.value < highest:
        counter.value = highest
        counter.save(update_fields=["value"])


def remove_counter(apps, schema_editor):
    apps.get_model("tickets", "TicketCounter").objects.filter(name="cdc").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cdc", "0002_link_ticket"),
        ("tickets", "0011_named_counters"),
    ]

    operations = [
        migrations.RunPython(start_counter, remove_counter),
    ]
