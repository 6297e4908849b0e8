from django.urls import path

from compms.development import views

app_name = "development"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("catalogue/<str:resource_id>/", views.resource_detail, name="resource"),
    path("catalogue/<str:resource_id>/file", views.resource_file, name="resource_file"),
    path("me/", views.my_plan, name="me"),
    path("people/<str:employee_id>/", views.plan_page, name="person"),
    path("team/", views.team, name="team"),
    path("optimiser/", views.optimiser, name="optimiser"),
    path("optimiser/accept", views.optimiser_accept, name="optimiser_accept"),
    path("commissions/", views.commissions, name="commissions"),
    path("commissions/raise", views.commissions_raise, name="commissions_raise"),
    path("commissions/<int:commission_id>/", views.commission_detail, name="commission"),
]
