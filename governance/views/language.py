"""The language switch in every page's header."""

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from governance.services.language import employee_language_set, language_supported


class LanguageView(View):
    """An employee's choice is saved in their profile (audited); "" goes back to
    automatic: the browser's language, else the company default. The cookie holds the
    choice for this browser, so that pages before signing in, and for accounts that
    are not employees, are in it too."""

    http_method_names = ["post"]

    def post(self, request):
        language = request.POST.get("language", "")
        if language and not language_supported(language):
            return HttpResponseBadRequest(
                _("Choose one of the languages offered."), content_type="text/plain"
            )
        employee = getattr(request.user, "employee", None)
        if employee is not None:
            employee_language_set(employee=employee, language=language, actor=request.user)
        response = HttpResponseRedirect(self._back(request))
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        else:
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    @staticmethod
    def _back(request) -> str:
        """The page the switch was on; only a page of this portal."""
        target = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse("home")
