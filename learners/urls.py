"""Accounts: django-allauth's pages and the learner's own account pages,
mounted under ``accounts/`` by wayfinder/urls.py."""

from __future__ import annotations

urlpatterns: list = []
