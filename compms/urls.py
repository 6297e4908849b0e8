from django.contrib import admin
from django.urls import include, path

from compms.api import api
from compms.site import views as site_views

urlpatterns = [
    path("", site_views.home, name="home"),
    path("healthz", site_views.healthz, name="healthz"),
    path("accounts/", include("compms.accounts.urls")),
    path("frameworks/", include("compms.frameworks.urls")),
    path("organisation/", include("compms.organisation.urls")),
    path("evidence/", include("compms.evidence.urls")),
    path("interop/", include("compms.interop.urls")),
    path("gaps/", include("compms.gaps.urls")),
    path("strategy/", include("compms.strategy.urls")),
    path("campaigns/", include("compms.campaigns.urls")),
    path("logbook/", include("compms.logbook.urls")),
    path("assessments/", include("compms.assessments.urls")),
    path("authorisations/", include("compms.authorisations.urls")),
    path("development/", include("compms.development.urls")),
    path("training/", include("compms.training.urls")),
    path("succession/", include("compms.succession.urls")),
    path("audit/", include("compms.audit.urls")),
    path("privacy/", include("compms.privacy.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
