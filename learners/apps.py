from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = "Learners"

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        from .receivers import lockout_lift_on_password_reset

        password_reset.connect(
            lockout_lift_on_password_reset, dispatch_uid="learners-lockout-lift"
        )
