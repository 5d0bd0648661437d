"""Data subject request tasks: ids in, state in PostgreSQL, safe to run twice."""

from celery import shared_task

from governance.services import requests


@shared_task(name="governance.tasks.requests.requests_remind")
def requests_remind() -> int:
    return requests.requests_remind()
