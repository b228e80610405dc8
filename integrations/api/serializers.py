"""What the API shows and reads. Output serializers only read what tickets.selectors and
accounts.access already loaded; input serializers validate, the views call the services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Organization, User
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


class ErrorSerializer(serializers.Serializer):
    """What a refused request answers: a detail sentence, or a list of messages per field."""

    detail = serializers.CharField(required=False)
