from django.urls import path

from compms.assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:assessment_id>/", views.detail, name="detail"),
    path("<int:assessment_id>/criteria/<int:indicator_id>/", views.criterion, name="criterion"),
    path("<int:assessment_id>/submit/", views.submit, name="submit"),
    path("registrations/", views.registrations, name="registrations"),
    path("registrations/<int:registration_id>/end/", views.end_registration, name="end_registration"),
]
