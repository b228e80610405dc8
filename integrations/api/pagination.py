"""Pages of API lists: 25 rows by default, up to 100 (?page_size=); ticket lists count no
further than tickets.paging.CAP, like the queue."""

from rest_framework.pagination import PageNumberPagination

from tickets.paging import CappedPaginator


class Pages(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class TicketPages(Pages):
    django_paginator_class = CappedPaginator
