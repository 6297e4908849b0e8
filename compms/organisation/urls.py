from django.urls import path

from compms.organisation import views

app_name = "organisation"

role = "roles/<str:external_id>/"
urlpatterns = [
    path("", views.index, name="index"),
    path("people/<str:employee_id>/", views.person_detail, name="person"),
    path("people/<str:employee_id>/leave/", views.person_leave, name="person_leave"),
    path("people/<str:employee_id>/return/", views.person_return, name="person_return"),
    path("people/<str:employee_id>/restore-access/", views.person_restore_access, name="person_restore_access"),
    path("roles/", views.roles, name="roles"),
    path(role, views.role_detail, name="role"),
    path(role + "edit/", views.role_editor, name="role_editor"),
    path(role + "duties/add/", views.duty_add, name="duty_add"),
    path(role + "duties/<int:duty_id>/update/", views.duty_update, name="duty_update"),
    path(role + "duties/<int:duty_id>/delete/", views.duty_delete, name="duty_delete"),
    path(role + "duties/<int:duty_id>/tasks/add/", views.task_add, name="task_add"),
    path(role + "tasks/<int:task_id>/update/", views.task_update, name="task_update"),
    path(role + "tasks/<int:task_id>/delete/", views.task_delete, name="task_delete"),
    path(role + "tasks/<int:task_id>/competencies/", views.task_competency_set, name="task_competency_set"),
    path(role + "task-competencies/<int:link_id>/remove/", views.task_competency_remove,
         name="task_competency_remove"),
    path(role + "requirements/derive/", views.requirements_derive, name="requirements_derive"),
    path(role + "requirements/add/", views.requirement_add, name="requirement_add"),
    path(role + "requirements/<int:requirement_id>/update/", views.requirement_update, name="requirement_update"),
    path(role + "requirements/<int:requirement_id>/reset/", views.requirement_reset, name="requirement_reset"),
    path(role + "requirements/<int:requirement_id>/remove/", views.requirement_remove, name="requirement_remove"),
    path(role + "job-description", views.job_description, name="job_description"),
    path(role + "job-description.md", views.job_description_markdown, name="job_description_md"),
    path(role + "job-description.pdf", views.job_description_pdf, name="job_description_pdf"),
    path("competencies/lookup/", views.competency_lookup, name="competency_lookup"),
    path("import/", views.import_files, name="import"),
    path("export/<str:name>/", views.export_file, name="export"),
]
