import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower

from governance.models import AuditEvent, Employee
from governance.selectors.erasure import employee_find

PSEUDONYM_PREFIX = "sub_"


def subject_person(identifier: str) -> tuple[str, str, Employee | None]:
    """(pseudonym, how it was named, the employee): a pseudonym as given, or that of the
    employee with this number or work email (any case); "" when nobody has it."""
    identifier = identifier.strip()
    if identifier.startswith(PSEUDONYM_PREFIX):
        return identifier, "pseudonym", Employee.objects.filter(subject_id=identifier).first()
    employee = employee_find(identifier=identifier)
    how = "email" if "@" in identifier else "employee_number"
    return (employee.subject_id if employee else ""), how, employee


def actor_person(identifier: str) -> tuple[str, Employee | None]:
    """(actor_id, the actor's employee record if they have one) for a user id or username;
    a service principal's id (`device:3`) passes as given."""
    identifier = identifier.strip()
    if ":" in identifier:
        return identifier, None
    by_id = identifier.isascii() and identifier.isdigit() and len(identifier) < 19
    users = get_user_model().objects
    user = (
        users.filter(pk=int(identifier)) if by_id else users.filter(username=identifier)
    ).first()
    if user is None:
        return identifier, None
    return str(user.pk), Employee.objects.filter(user=user).first()


@dataclass(frozen=True)
class AuditPeople:
    """The people an audit query names, resolved: filtering by one is a read of their data."""

    subject: str = ""  # the pseudonym to filter on
    actor_id: str = ""
    people: tuple[Employee, ...] = ()  # the employees the filters name
    named_by: str = ""  # how the subject was named: pseudonym, employee_number or email
    nobody: bool = False  # an employee number or email that nobody has


def audit_people_resolve(*, subject: str = "", actor: str = "") -> AuditPeople:
    pseudonym = actor_id = named_by = ""
    people, nobody = [], False
    if subject.strip():
        pseudonym, named_by, person = subject_person(subject)
        nobody = not pseudonym
        people.append(person)
    if actor.strip():
        actor_id, person = actor_person(actor)
        people.append(person)
    return AuditPeople(
        subject=pseudonym,
        actor_id=actor_id,
        people=tuple(p for p in people if p is not None),
        named_by=named_by,
        nobody=nobody,
    )


def _seq_bound(*, since: datetime | None = None, until: datetime | None = None) -> Q:
    """The time range as a range of `seq`.

    Times are stamped under the chain lock as seq is assigned, so they rise with seq:
    one lookup on the occurred_at index gives the seq where the range starts (or ends),
    and every other filter then pages on its own (…, seq) index instead of sorting
    all events of the period.
    """
    edges = (
        (since, "occurred_at__gte", "occurred_at", "seq__gte"),
        (until, "occurred_at__lt", "-occurred_at", "seq__lte"),
    )
    bound = Q()
    for moment, time_lookup, order, seq_lookup in edges:
        if moment is None:
            continue
        edge = (
            AuditEvent.objects.filter(**{time_lookup: moment})
            .order_by(order)
            .values_list("seq", flat=True)
            .first()
        )
        bound &= Q(**{seq_lookup: edge}) if edge is not None else Q(pk__in=[])
    return bound


def audit_events_list(
    *,
    action: str | None = None,
    subject: str | None = None,
    actor_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
):
    """The audit log for officers and legal, newest first, optionally filtered.

    `subject` is a pseudonym and `actor_id` a stored actor id: resolving what an
    officer typed is the caller's business (it may be an audited read).
    """
    qs = AuditEvent.objects.order_by("-seq")
    if action:
        qs = qs.filter(action__startswith=action)
    if subject:
        qs = qs.filter(subject=subject)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if since is not None or until is not None:
        qs = qs.filter(_seq_bound(since=since, until=until))
    return qs


def audit_events_for(
    *,
    who: AuditPeople,
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
):
    """`audit_events_list` for filters as resolved by `audit_people_resolve`."""
    if who.nobody:
        return AuditEvent.objects.none()
    return audit_events_list(
        action=action or None,
        subject=who.subject or None,
        actor_id=who.actor_id or None,
        since=since,
        until=until,
    )


# Targets whose id is a person's account or employee record, or a request (the queue
# lists requests by employee number): next to a pseudonym they would say who it is.
PERSON_TARGETS = ("User", "Employee", "DataRequest")
PERSON_DETAILS = ("username", "email", "request")
# A data subject request's events: the queue lists each request by employee number with
# its kind, when it came and when it is due, so beside a pseudonym the due date (or the
# time and kind of a request.filed) would point at one row. Their subject is shown to
# nobody on the log; the request's own, audited, page says who.
REQUEST_ACTIONS = "request."
REQUEST_DETAILS = ("due_on",)
THE_PERSON = "the person"
# An email address anywhere in a text.
EMAIL = re.compile(r"[^\s@<>(),;:\"']+@[^\s@<>(),;:\"']+\.[^\s@<>(),;:\"']+")
# Longer texts are no employee number (32 characters at most).
NUMBER_MAX = 32


def _texts(value) -> Iterator[str]:
    """Every string inside a details value, at any depth."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _employee_numbers(events: list[AuditEvent]) -> set[str]:
    """The employee numbers (lower case) among the details' texts of `events`: one query."""
    candidates = {
        text.strip().lower()
        for event in events
        for text in _texts(event.details)
        if 0 < len(text.strip()) <= NUMBER_MAX and not text.startswith(PSEUDONYM_PREFIX)
    }
    if not candidates:
        return set()
    return set(
        Employee.objects.annotate(number=Lower("employee_number"))
        .filter(number__in=candidates)  # by the index on the lower-cased number
        .order_by()
        .values_list("number", flat=True)
    )


def _names_a_person(text: str, numbers: set[str]) -> bool:
    return text.strip().lower() in numbers or EMAIL.search(text) is not None


def _without_people(value, numbers: set[str], keys: tuple[str, ...] = ()):
    """`value` less what would say who someone is: the keys named, and any text that is an
    employee number or holds an email address (a report's `params.subject`, `accessor`,
    a reason quoting an address), at any depth. Returns (value, whether anything went)."""
    if isinstance(value, dict):
        kept, gone = {}, False
        for key, item in value.items():
            if key in keys or (isinstance(item, str) and _names_a_person(item, numbers)):
                gone = True
                continue
            kept[key], item_gone = _without_people(item, numbers)
            gone = gone or item_gone
        return kept, gone
    if isinstance(value, list | tuple):
        kept, gone = [], False
        for item in value:
            if isinstance(item, str) and _names_a_person(item, numbers):
                gone = True
                continue
            item, item_gone = _without_people(item, numbers)
            kept.append(item)
            gone = gone or item_gone
        return kept, gone
    return value, False


def audit_entries_masked(events) -> list[AuditEvent]:
    """`events` as officers see them: subjects by pseudonym and nothing that names them.

    An entry about someone would tie the pseudonym to the person where it shows their
    username as the actor (a consent choice, a login) or their account or employee row
    as the target. No entry shows a username, email address or employee number in its
    details, at any depth (a report's filter on a person, `params.subject` or
    `params.accessor`): next to the pseudonyms of the entries around it, a name says too
    much. A request's events would point at its row in the request queue, which names
    the person: their subject and due date go. Those fields are blanked on the returned
    objects (never saved) and listed in `event.masked`; revealing who a pseudonym is
    goes through the audited reveal.
    """
    events = list(events)
    subjects = {e.subject for e in events if e.subject and e.actor_type == "user"}
    users = dict(
        Employee.objects.filter(subject_id__in=subjects).values_list("subject_id", "user_id")
    )
    numbers = _employee_numbers(events)
    for event in events:
        masked = []
        a_request = event.action.startswith(REQUEST_ACTIONS)
        if event.subject:
            if event.actor_type == "user" and event.actor_id == str(users.get(event.subject)):
                event.actor_label = THE_PERSON
                masked.append("actor_label")
            if event.target_type in PERSON_TARGETS and event.target_id:
                event.target_id = ""
                masked.append("target_id")
        keys = PERSON_DETAILS + (REQUEST_DETAILS if a_request else ())
        details, gone = _without_people(event.details, numbers, keys)
        if gone:
            event.details = details
            masked.append("details")
        if a_request and event.subject:
            event.subject = ""
            masked.append("subject")
        event.masked = masked
    return events


# The person's own logins and logouts carry their pseudonym (an officer filtering
# by subject sees the account's activity) but are not someone using their data.
OWN_SESSION_ACTIONS = ("auth.login", "auth.logout")


def audit_events_about(*, employee):
    """Who did what with this person's data: the employee's own view of the log.

    Their own logins and logouts are left out; failed logins, lockouts and role
    changes of their account stay, as someone else may be behind them.
    """
    return (
        AuditEvent.objects.filter(subject=employee.subject_id)
        .exclude(action__in=OWN_SESSION_ACTIONS)
        .order_by("-seq")
    )
