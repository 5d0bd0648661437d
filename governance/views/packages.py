"""Delivery of access packages: a signed, expiring link that only its employee may open.

Every refusal is a page that says what happened: a link that is not valid for
the signed-in person (tampered, someone else's, not ready) is 404, as if there
were nothing there; a link or package that existed but is over (link expired,
revoked, package expired or erased) is 410. The file is streamed from the
storage, never read whole.
"""

from django.http import FileResponse
from django.shortcuts import render
from django.views import View

from governance.services.exports import PackageGone, PackageNotFound, package_download_open
from governance.views.access import EmployeeRequiredMixin


class PackageDownloadView(EmployeeRequiredMixin, View):
    http_method_names = ["get"]  # not HEAD: every GET is a download, counted and audited

    def get(self, request, token: str):
        try:
            package, file = package_download_open(token=token, user=request.user)
        except PackageNotFound:
            return render(request, "requests/package_not_found.html", status=404)
        except PackageGone as gone:
            context = {
                "reason": str(gone),
                "new_copy": gone.new_copy,
                "request_id": gone.package.request_id,
                "kind": gone.package.request.kind,
            }
            return render(request, "requests/package_gone.html", context, status=410)
        response = FileResponse(
            file,
            as_attachment=True,
            filename=f"my-data-{package.created_at:%Y-%m-%d}-{package.pk}.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"
        return response
