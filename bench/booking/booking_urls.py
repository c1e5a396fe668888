"""roadie's URLs, plus the naive peer's booking endpoint (written by us for this benchmark):
it counts the slot's bookings, then inserts one if the count was under the seats, with no
counter, lock or constraint deciding between two requests that read the same count."""

import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from roadie.desk.urls import urlpatterns as roadie_urls


@csrf_exempt
def naive_book(request, slot_id: int):
    from django.db import transaction

    from roadie.desk.accounts.models import ApiToken
    from roadie.desk.planning.models import PlanSlot
    from roadie.desk.scheduling.models import Booking, BookingStatus

    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    found = ApiToken.objects.select_related("user__agent").filter(
        digest=ApiToken.hash(token)).first()
    if found is None:
        return JsonResponse({"detail": "unauthenticated"}, status=401)
    agent = found.user.agent
    with transaction.atomic():
        slot = PlanSlot.objects.get(pk=slot_id)
        taken = Booking.objects.filter(slot=slot, status=BookingStatus.BOOKED).count()
        if taken >= slot.roadies:
            return JsonResponse({"code": "full", "message": "full"}, status=409)
        if Booking.objects.filter(slot=slot, agent=agent, status=BookingStatus.BOOKED).exists():
            return JsonResponse({"code": "overlap", "message": "overlap"}, status=409)
        booking = Booking.objects.create(agent=agent, slot=slot)
    return JsonResponse(json.loads(json.dumps({"id": booking.pk, "slot": slot_id})), status=201)


urlpatterns = [path("naive/slots/<int:slot_id>/book", naive_book), *roadie_urls]
