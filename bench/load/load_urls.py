"""Accord's URLs and two baselines: a bare response, and a signed-in page of the layout only."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from config.urls import urlpatterns as accord


def bare(request):
    return HttpResponse("ok")


@login_required
def layout(request):
    return render(request, "base.html", {})


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/layout/", layout),
    *accord,
]
