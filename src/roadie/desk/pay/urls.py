from django.urls import path

from roadie.desk.pay import views, views_settings

urlpatterns = [
    path("", views.mine, name="pay-mine"),
    path("statements/<str:period>.<str:fmt>", views.statement_file, name="pay-statement-file"),
    path("self-invoices/<str:number>.pdf", views.self_invoice_file, name="pay-self-invoice"),
    path("contest", views.contest, name="pay-contest"),
    path("finance/", views.finance, name="pay-finance"),
    path("finance/settings/", views_settings.settings, name="pay-settings"),
    path("finance/close", views.close, name="pay-close"),
    path("finance/contests/<int:contest_id>", views.decide, name="pay-decide"),
    path("invoices/", views.invoices, name="pay-invoices"),
    path("invoices/<str:number>/", views.invoice_page, name="pay-invoice"),
    path("invoices/<str:number>.<str:fmt>", views.invoice_file, name="pay-invoice-file"),
]
