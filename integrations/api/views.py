"""The JSON API: tickets, organizations, contacts, time entries. Every object comes through
the apps' access.py (hidden == 404) and every change through their services, as the pages
do; a token acts as its owner, read-only tokens only read (permissions.TokenScope)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import access as accounts_access
from accounts.models import Organization, User
from billing import access as billing_access
from billing import durations, pricing
from billing import services as billing_services
from billing.errors import BillingError, InvalidDuration
from billing.models import Contract, TimeEntry
from tickets import access as tickets_access
from tickets import caching as tickets_caching
from tickets import selectors, services
from tickets.errors import StaleVersion, TicketError, TransitionRefused
from tickets.filters import TicketFilter

from .. import access
from .. import services as integration_services
from ..errors import IdempotencyConflict
from . import serializers as s
from .pagination import Pages, TicketPages


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


def _domain_error(error: TicketError) -> exceptions.APIException:
    if isinstance(error, (StaleVersion, TransitionRefused)):
        return Conflict(str(error))
    return exceptions.ValidationError({"detail": str(error)})


def _by_code(table: dict, code: str | None, what: str):
    """An active reference row (status, priority, type, criticality) by code; unknown: a 400."""
    if not code:
        return None
    for row in table.values():
        if row.code == code and row.is_active:
            return row
    raise exceptions.ValidationError({what: _("Unknown code.")})


FILTER_PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.STR, description=str(field.label or name))
    for name, field in TicketFilter.base_filters.items()
] + [
    OpenApiParameter("sort", OpenApiTypes.STR, description="The queue's sort (e.g. -updated)"),
]


def _error(text: str) -> OpenApiResponse:
    return OpenApiResponse(s.ErrorSerializer, description=text)


REFUSALS = {
    401: _error("No key, or a wrong or revoked one"),
    400: _error("Invalid input: a message per field"),
    403: _error("Not allowed for this person, or a read-only key"),
    404: _error("No such ticket, or one this person does not see"),
    409: _error("The ticket changed meanwhile, or the status change is refused"),
}
LIST_REFUSALS = {
    400: _error("An invalid filter"),
    401: REFUSALS[401],
    404: _error("No such page"),
}

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description="Sending the same key again (within a day) answers the ticket made the first time.",
)


@extend_schema_view(
    list=extend_schema(
        parameters=FILTER_PARAMETERS,
        summary="Tickets, filtered as the queue",
        responses={200: s.TicketSerializer(many=True), **LIST_REFUSALS},
    ),
    retrieve=extend_schema(
        summary="A ticket with its timeline",
        responses={200: s.TicketDetailSerializer, 401: REFUSALS[401], 404: REFUSALS[404]},
    ),
)
class TicketViewSet(viewsets.GenericViewSet):
    """Tickets the token's owner sees (tickets.access.visible_tickets)."""

    lookup_field = "number"
    lookup_value_regex = r"[0-9]{1,9}"
    pagination_class = TicketPages
    serializer_class = s.TicketSerializer
    queryset = None  # each action starts from tickets.access / tickets.selectors

    def get_queryset(self):
        return selectors.ticket_list_rows(self.request.user)

    def list(self, request):
        filterset, rows, _sort = selectors.ticket_queue(request.user, request.query_params)
        if filterset.is_bound and not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.TicketSerializer(page, many=True).data)

    def _detail(self, number, *, code=status.HTTP_200_OK):
        """The ticket as it is now (read again after a change), with its visible timeline."""
        user = self.request.user
        ticket = tickets_access.get_visible_ticket_or_404(user, number)
        ticket.timeline_events = selectors.timeline(user, ticket)
        return Response(s.TicketDetailSerializer(ticket).data, status=code)

    def retrieve(self, request, number=None):
        return self._detail(number)

    @extend_schema(
        request=s.TicketCreateSerializer,
        responses={
            201: s.TicketDetailSerializer,
            200: s.TicketDetailSerializer,
            422: _error("This Idempotency-Key was used with another request"),
            **REFUSALS,
        },
        parameters=[IDEMPOTENCY],
        summary="File a ticket",
    )
    def create(self, request):
        user = request.user
        if not tickets_access.can_create_ticket(user):
            raise exceptions.PermissionDenied
        form = s.TicketCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if len(key) > 200:
            raise exceptions.ValidationError({"Idempotency-Key": _("At most 200 characters.")})
        if key:
            try:
                done = integration_services.find_idempotent(actor=user, key=key, data=data)
            except IdempotencyConflict:
                raise Unprocessable(
                    _("This Idempotency-Key was used with another request.")
                ) from None
            if done is not None:
                return self._detail(done)
        try:
            with transaction.atomic():
                ticket = services.create_ticket(actor=user, **self._create_fields(user, data))
                if key and not integration_services.remember_idempotent(
                    actor=user, key=key, data=data, ticket_number=ticket.number
                ):
                    raise _SameKeyRace
        except _SameKeyRace:
            done = integration_services.find_idempotent(actor=user, key=key, data=data)
            return self._detail(done)
        except PermissionDenied:
            raise exceptions.PermissionDenied from None
        except TicketError as error:
            raise _domain_error(error) from None
        return self._detail(ticket.number, code=status.HTTP_201_CREATED)

    @staticmethod
    def _create_fields(user, data) -> dict:
        reference = tickets_caching.reference()
        fields = {
            "title": data["title"],
            "description": data["description"],
            "criticality": getattr(
                _by_code(reference.criticalities, data.get("criticality"), "criticality"),
                "code",
                "",
            ),
            "type": _by_code(reference.types, data.get("type"), "type"),
        }
        if not tickets_access.can_file_for_client(user):
            return fields  # customers file for themselves: the service decides the rest
        if "organization" not in data:
            raise exceptions.ValidationError({"organization": _("Choose the client organization.")})
        organization = (
            accounts_access.visible_organizations(user).filter(pk=data["organization"]).first()
        )
        if organization is None:
            raise exceptions.ValidationError({"organization": _("Unknown organization.")})
        fields["organization"] = organization
        if "requester" in data:
            requester = (
                accounts_access.pickable_people(user, organization_id=organization.pk)
                .filter(pk=data["requester"])
                .first()
            )
            if requester is None:
                raise exceptions.ValidationError({"requester": _("Unknown contact.")})
            fields["requester"] = requester
        fields["priority"] = _by_code(reference.priorities, data.get("priority"), "priority")
        return fields

    def _act(self, number, form_class, act, code=status.HTTP_201_CREATED):
        """Fetch the ticket (hidden: 404 before anything else), validate, call the service."""
        ticket = tickets_access.get_visible_ticket_or_404(self.request.user, number)
        form = form_class(data=self.request.data)
        form.is_valid(raise_exception=True)
        try:
            act(ticket, form.validated_data)
        except PermissionDenied:
            raise exceptions.PermissionDenied from None
        except TicketError as error:
            raise _domain_error(error) from None
        return self._detail(ticket.number, code=code)

    @extend_schema(
        request=s.MessageSerializer, responses={201: s.TicketDetailSerializer, **REFUSALS}
    )
    @action(detail=True, methods=["post"], url_path="replies")
    def reply(self, request, number=None):
        """A public reply (the requester is told by email, as from the page)."""

        def act(ticket, data):
            services.reply(actor=request.user, ticket=ticket, body=data["body"])

        return self._act(number, s.MessageSerializer, act)

    @extend_schema(
        request=s.MessageSerializer, responses={201: s.TicketDetailSerializer, **REFUSALS}
    )
    @action(detail=True, methods=["post"], url_path="notes")
    def note(self, request, number=None):
        """An internal note (staff only; never shown to clients)."""

        def act(ticket, data):
            services.reply(actor=request.user, ticket=ticket, body=data["body"], internal=True)

        return self._act(number, s.MessageSerializer, act)

    @extend_schema(
        request=s.StatusChangeSerializer, responses={200: s.TicketDetailSerializer, **REFUSALS}
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, number=None):
        """Move the ticket to another status (admins and agents)."""

        def act(ticket, data):
            statuses = tickets_caching.reference().statuses
            target = _by_code(statuses, data["status"], "status")
            services.change_status(
                actor=request.user, ticket=ticket, status=target, note=data["note"]
            )

        return self._act(number, s.StatusChangeSerializer, act, code=status.HTTP_200_OK)


class _SameKeyRace(Exception):
    """Another request with the same Idempotency-Key committed first."""


@extend_schema_view(
    list=extend_schema(
        summary="Organizations the token's owner sees",
        responses={
            200: s.OrganizationSerializer(many=True),
            401: REFUSALS[401],
            404: LIST_REFUSALS[404],
        },
    ),
    retrieve=extend_schema(
        summary="An organization",
        responses={200: s.OrganizationSerializer, 401: REFUSALS[401], 404: REFUSALS[404]},
    ),
)
class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.OrganizationSerializer
    pagination_class = Pages
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Organization.objects.none()
        return access.visible_organizations(self.request.user).order_by("name", "id")


@extend_schema_view(
    list=extend_schema(
        summary="Contacts (client people) the token's owner sees",
        parameters=[OpenApiParameter("organization", OpenApiTypes.INT)],
        responses={200: s.ContactSerializer(many=True), **LIST_REFUSALS},
    ),
    retrieve=extend_schema(
        summary="A contact",
        responses={200: s.ContactSerializer, 401: REFUSALS[401], 404: REFUSALS[404]},
    ),
)
class ContactViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ContactSerializer
    pagination_class = Pages
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return User.objects.none()
        people = access.visible_contacts(self.request.user)
        organization = self.request.query_params.get("organization", "")
        if self.action == "list" and organization:
            if not organization.isdigit() or len(organization) > 18:
                raise exceptions.ValidationError({"organization": _("Give an organization id.")})
            people = people.filter(organization_id=int(organization))
        return people.select_related("organization").order_by("last_name", "first_name", "id")


TIME_REFUSALS = {
    **REFUSALS,
    404: _error("No such entry or ticket, or one this person does not see"),
    409: _error("The week of this date is submitted: its entries are locked"),
}


@extend_schema_view(
    list=extend_schema(
        summary="Time entries the token's owner sees",
        description=(
            "Staff who see a ticket's internal side get every entry with its consultant, "
            "activity and comment; a client's key gets the billable entries of the tickets "
            "the client sees, their minutes rounded as the contract says, and no comment."
        ),
        parameters=[s.TimeEntryFilterSerializer],
        responses={200: s.TimeEntrySerializer(many=True), **LIST_REFUSALS},
    ),
    retrieve=extend_schema(
        summary="A time entry",
        responses={200: s.TimeEntrySerializer, 401: REFUSALS[401], 404: TIME_REFUSALS[404]},
    ),
)
class TimeEntryViewSet(viewsets.GenericViewSet):
    """billing.access.visible_entries: what the ticket's time box shows to the same person."""

    serializer_class = s.TimeEntrySerializer
    pagination_class = Pages
    lookup_value_regex = r"[0-9]{1,18}"
    queryset = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return TimeEntry.objects.none()
        entries = billing_access.visible_entries(self.request.user)
        return entries.select_related("ticket", "user").order_by("-work_date", "-id")

    def _render(self, entries):
        """Entries serialized for the reader: clients get rounded minutes and fewer fields."""
        user = self.request.user
        staff = billing_access.sees_time_details(user)
        units: dict[int | None, int] = {}
        today = timezone.localdate()
        for entry in entries:
            entry.shown_minutes = entry.minutes
            if staff:
                continue
            organization = entry.ticket.organization_id
            if organization not in units:
                contract = billing_services.contract_for(organization, today)
                per_entry = contract and contract.rounding_scope == Contract.RoundingScope.ENTRY
                units[organization] = contract.rounding_minutes if per_entry else 0
            entry.shown_minutes = pricing.round_up(entry.minutes, units[organization])
        return s.TimeEntrySerializer(entries, many=True, staff=staff).data

    def list(self, request):
        query = s.TimeEntryFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        entries = self.get_queryset()
        if "ticket" in wanted:
            entries = entries.filter(ticket__number=wanted["ticket"])
        if wanted.get("date_from"):
            entries = entries.filter(work_date__gte=wanted["date_from"])
        if wanted.get("date_to"):
            entries = entries.filter(work_date__lte=wanted["date_to"])
        if billing_access.sees_time_details(request.user):  # filters on what clients never see
            if "consultant" in wanted:
                entries = entries.filter(user_id=wanted["consultant"])
            if wanted.get("billable") is not None:
                entries = entries.filter(billable=wanted["billable"])
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(self._render(page))

    def retrieve(self, request, pk=None):
        entry = self.get_queryset().filter(pk=int(pk)).first()
        if entry is None:
            raise Http404
        return Response(self._render([entry])[0])

    @extend_schema(
        request=s.TimeEntryCreateSerializer,
        responses={201: s.TimeEntrySerializer, **TIME_REFUSALS},
        summary="Log time on a ticket (admins and agents)",
    )
    def create(self, request):
        user = request.user
        if not billing_access.logs_time(user):
            raise exceptions.PermissionDenied
        form = s.TimeEntryCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        ticket = tickets_access.get_visible_ticket_or_404(user, data["ticket"])
        try:
            minutes = durations.parse_duration(data["duration"])
            entry = billing_services.log_time(
                actor=user,
                ticket=ticket,
                minutes=minutes,
                activity=data["activity"],
                billable=data["billable"],
                comment=data["comment"],
                day=data.get("date"),
            )
        except InvalidDuration as error:
            raise exceptions.ValidationError({"duration": [str(error)]}) from None
        except PermissionDenied:
            raise exceptions.PermissionDenied from None
        except BillingError as error:
            raise Conflict(str(error)) from None
        entry = self.get_queryset().get(pk=entry.pk)
        return Response(self._render([entry])[0], status=status.HTTP_201_CREATED)
