from rest_framework.pagination import CursorPagination


class SeqCursorPagination(CursorPagination):
    """Audit entries newest first; pages stay stable while new entries are appended."""

    ordering = "-seq"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
