"""Forms of the learner's own account pages (allauth's forms serve the rest)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser


class AccountDeleteForm(forms.Form):
    """Confirm a deletion: the account's email address typed out, and the
    password, so a session left open on a shared computer cannot do it."""

    email = forms.EmailField(
        label="Your email address",
        help_text="Type it out to confirm that this is the account to delete.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email.strip().lower() != (self.user.email or "").strip().lower():
            raise forms.ValidationError(
                "This is not the email address of the account you are signed in to."
            )
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("This password is not correct.")
        return password
