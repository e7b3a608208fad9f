"""Accounts: django-allauth's pages and the learner's own account pages,
mounted under ``accounts/`` by wayfinder/urls.py."""

from __future__ import annotations

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.account_overview, name="account_overview"),
    path("delete/", views.account_delete, name="account_delete"),
    path("goodbye/", views.account_goodbye, name="account_goodbye"),
    path("", include("allauth.urls")),
]
