from django.urls import path

from compms.gaps import views

app_name = "gaps"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("heatmap/", views.heatmap, name="heatmap"),
    path("cell/", views.cell, name="cell"),
    path("roles/", views.roles, name="roles"),
    path("roles/<str:role_id>/", views.role_detail, name="role"),
    path("roles/<str:role_id>/best-fit/", views.best_fit, name="best_fit"),
    path("risk/", views.risk, name="risk"),
    path("expiry/", views.expiry, name="expiry"),
    path("coverage/", views.coverage, name="coverage"),
    path("profile/", views.profile, name="profile"),
    path("distribution/", views.distribution, name="distribution"),
]
