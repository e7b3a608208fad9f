"""Signal receivers the learners app connects in ``LearnersConfig.ready()``."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset


def lockout_lift_on_password_reset(*, user: Any, **kwargs: Any) -> None:
    """A learner who set a new password through the emailed link has shown
    they own the account: forget its failed sign-ins (django-axes), so the
    new password signs in at once instead of after the cool-off. The site's
    sign-in counts failures under the lower-cased email, the admin's under
    the username (``settings.axes_username``)."""
    for name in {user.get_username(), (user.email or "").strip().lower()} - {""}:
        axes_reset(username=name)
