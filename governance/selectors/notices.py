from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from governance.models import Notice, NoticeText
from governance.models.notices import language_name
from governance.services.language import employee_language, language_supported


def notice_current() -> Notice | None:
    """The newest published notice already in effect."""
    return (
        Notice.objects.filter(status=Notice.Status.PUBLISHED, effective_at__lte=timezone.now())
        .order_by("-version")
        .first()
    )


def notice_covers(notice: Notice, scope) -> bool:
    return Notice.objects.filter(
        pk=notice.pk,
        purposes=scope.purpose,
        applications=scope.application,
        data_kinds=scope.data_kind,
    ).exists()


def notice_list():
    return Notice.objects.prefetch_related(
        "purposes", "applications", "data_kinds", "texts"
    ).order_by("-version")


def reader_language(employee=None, wanted: str | None = None) -> str:
    """The language a notice is shown in: the one asked for (`?lang=`), else the
    employee's own, else the company's."""
    return wanted if language_supported(wanted) else employee_language(employee)


@dataclass(frozen=True)
class NoticeReading:
    """The text of a version a reader is shown, and the languages they may switch to."""

    text: NoticeText
    wanted: str
    texts: list[NoticeText]

    @property
    def fallback(self) -> bool:
        """The version has no text in the language wanted: the company's is shown."""
        return self.text.language != self.wanted

    @property
    def wanted_name(self) -> str:
        return language_name(self.wanted)

    @property
    def shown_name(self) -> str:
        return language_name(self.text.language)

    @property
    def prose(self) -> dict[str, str]:
        """The statement's prose as this text words it; the version's own where it does not."""
        notice = self.text.notice
        return {
            name: getattr(self.text, name) or getattr(notice, name)
            for name in NoticeText.PROSE_FIELDS
        }

    @property
    def others(self) -> list[tuple[str, str]]:
        """(code, name) of the version's other languages, for the switch."""
        return [
            (text.language, language_name(text.language, own=True))
            for text in self.texts
            if text.language != self.text.language
        ]


def notice_reading(notice: Notice, *, language: str) -> NoticeReading:
    """The version's text in `language`, else in the company's language, else its own."""
    texts = list(notice.texts.all())
    by_language = {text.language: text for text in texts}
    text = (
        by_language.get(language)
        or by_language.get(settings.LANGUAGE_CODE)
        or by_language.get(notice.language)
        or texts[0]
    )
    return NoticeReading(text=text, wanted=language, texts=texts)
