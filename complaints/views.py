"""Pages of the complaint tickets and their deadlines."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


@login_required
def index(request: HttpRequest) -> HttpResponse:
    # Filled by its own issue; until then the section says so instead of a 404.
    return render(request, "csat/coming_soon.html", {"title": _("投诉")})
