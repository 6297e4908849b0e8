from django.urls import path

from compms.strategy import views

app_name = "strategy"

urlpatterns = [
    path("", views.index, name="index"),
    path("objectives/<int:pk>/", views.objective_detail, name="objective"),
    path("objectives/<int:pk>/update/", views.objective_update, name="objective_update"),
    path("objectives/<int:pk>/delete/", views.objective_delete, name="objective_delete"),
    path("objectives/<int:pk>/targets/add/", views.target_add, name="target_add"),
    path("objectives/<int:pk>/export.<str:fmt>", views.objective_export, name="objective_export"),
    path("targets/<int:pk>/update/", views.target_update, name="target_update"),
    path("targets/<int:pk>/remove/", views.target_remove, name="target_remove"),
    path("scenarios/", views.scenarios, name="scenarios"),
    path("scenarios/<int:pk>/", views.scenario_detail, name="scenario"),
    path("scenarios/<int:pk>/update/", views.scenario_update, name="scenario_update"),
    path("scenarios/<int:pk>/delete/", views.scenario_delete, name="scenario_delete"),
    path("scenarios/<int:pk>/changes/add/", views.change_add, name="change_add"),
    path("scenario-changes/<int:pk>/remove/", views.change_remove, name="change_remove"),
]
