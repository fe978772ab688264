from rapport.customers.views import lists, merge, records

urlpatterns = [*merge.urlpatterns, *lists.urlpatterns, *records.urlpatterns]
