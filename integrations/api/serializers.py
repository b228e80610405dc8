"""What the API shows and reads. Output serializers only read what tickets.selectors and
accounts.access already loaded; input serializers validate, the views call the services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Organization, User
from billing.models import Activity
from core.forms import validate_storable
from tickets.models import Event

MAX_TEXT = 100_000


class NamedRef(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StatusRef(NamedRef):
    category = serializers.CharField()


class PersonRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    email = serializers.EmailField()

    def get_name(self, person) -> str:
        return f"{person.first_name} {person.last_name}".strip() or person.email


class OrganizationRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    status = StatusRef()
    priority = NamedRef(allow_null=True)
    type = NamedRef(allow_null=True)
    organization = OrganizationRef(allow_null=True)
    requester = PersonRef(allow_null=True)
    contact_email = serializers.CharField(help_text=_("Sender address of an email ticket"))
    is_overdue = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField(allow_null=True)


class AttachmentRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="filename")
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    action_type = serializers.CharField()
    actor = PersonRef(allow_null=True)
    action_at = serializers.DateTimeField()
    body = serializers.CharField()
    is_internal = serializers.BooleanField()
    attachments = AttachmentRef(many=True, source="attachments.all")


class TicketDetailSerializer(TicketSerializer):
    criticality = serializers.CharField(source="criticality_id")
    description = serializers.CharField()
    channel = serializers.CharField()
    support_level = serializers.IntegerField()
    version = serializers.IntegerField(
        help_text=_("Give it back as version when changing the status: a stale one is refused")
    )
    events = EventSerializer(many=True, source="timeline_events")


STORABLE = [validate_storable]


class TicketCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, validators=STORABLE)
    description = serializers.CharField(
        max_length=MAX_TEXT, allow_blank=True, default="", validators=STORABLE
    )
    type = serializers.SlugField(required=False, help_text=_("Ticket type code"))
    criticality = serializers.SlugField(
        required=False, help_text=_("Criticality code (the default one when left out)")
    )
    organization = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Staff only: the client organization's id")
    )
    requester = serializers.IntegerField(
        required=False, min_value=1, help_text=_("Staff only: the contact's id")
    )
    priority = serializers.SlugField(required=False, help_text=_("Staff only: priority code"))


class MessageSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_TEXT, validators=STORABLE)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.SlugField(help_text=_("Status code"))
    note = serializers.CharField(
        max_length=MAX_TEXT, allow_blank=True, default="", validators=STORABLE
    )


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "email",
            "phone",
            "address",
            "postal_code",
            "city",
            "country",
            "website",
            "external_source",
            "external_id",
            "is_active",
        ]


class ContactSerializer(serializers.ModelSerializer):
    organization = OrganizationRef(allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "job_title",
            "organization",
            "is_active",
        ]


class TicketRef(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()


STAFF_ONLY = _("Staff only: absent from what a client's key reads")


class TimeEntrySerializer(serializers.Serializer):
    """A time entry as its reader may see it: clients get billable entries with their minutes
    rounded as the contract says, never the consultant, the activity or the comment."""

    id = serializers.IntegerField()
    ticket = TicketRef()
    date = serializers.DateField(source="work_date")
    minutes = serializers.IntegerField(
        source="shown_minutes", help_text=_("Rounded as the contract says for a client's key")
    )
    task_title = serializers.CharField()
    consultant = PersonRef(source="user", required=False, help_text=STAFF_ONLY)
    activity = serializers.ChoiceField(
        choices=Activity.choices, required=False, help_text=STAFF_ONLY
    )
    level = serializers.IntegerField(allow_null=True, required=False, help_text=STAFF_ONLY)
    billable = serializers.BooleanField(required=False, help_text=STAFF_ONLY)
    off_hours = serializers.BooleanField(required=False, help_text=STAFF_ONLY)
    comment = serializers.CharField(required=False, help_text=STAFF_ONLY)
    corrects = serializers.IntegerField(
        source="corrects_id", allow_null=True, required=False, help_text=STAFF_ONLY
    )
    recorded_at = serializers.DateTimeField(
        source="created_at", required=False, help_text=STAFF_ONLY
    )

    CLIENT_FIELDS = ("id", "ticket", "date", "minutes", "task_title")

    def __init__(self, *args, staff: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            for name in set(self.fields) - set(self.CLIENT_FIELDS):
                self.fields.pop(name)


class TimeEntryFilterSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(required=False, min_value=1, max_value=999_999_999)
    consultant = serializers.IntegerField(
        required=False, min_value=1, max_value=2**62, help_text=STAFF_ONLY
    )
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)


class TimeEntryCreateSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=999_999_999)
    duration = serializers.CharField(
        max_length=20, help_text=_("As typed on the page: 1h30, 1,5 (hours), 45min, 90")
    )
    date = serializers.DateField(required=False, help_text=_("Today when left out"))
    activity = serializers.ChoiceField(choices=Activity.choices, default=Activity.WORK)
    billable = serializers.BooleanField(default=True)
    comment = serializers.CharField(
        max_length=500, allow_blank=True, default="", validators=STORABLE
    )


class ErrorSerializer(serializers.Serializer):
    """What a refused request answers: a detail sentence, or a list of messages per field."""

    detail = serializers.CharField(required=False)
