FR = {
    "Booked": "Réservé",
    "Released": "Libéré",
    "Handed over": "Cédé",
    "Cancelled": "Annulé",
    "Offered": "Proposé",
    "Taken": "Repris",
    "Withdrawn": "Retiré",
    "Expired": "Expiré",
    "Waiting": "En attente",
    "Given a seat": "Place attribuée",
    "Declined": "Refusé",
    "Skipped": "Passé",
    "Left the list": "Sorti de la liste",
    "A seat from the waiting list": "Une place de la liste d'attente",
    "A colleague offers you a slot": "Un collègue vous propose un créneau",
    "An uncovered slot needs you": "Un créneau non couvert a besoin de vous",
    "You are not certified for any brand of this slot's pool.":
        "Vous n'êtes certifié pour aucune marque du pool de ce créneau.",
    "Every seat of this slot is booked; join the waiting list.":
        "Toutes les places de ce créneau sont prises ; inscrivez-vous sur la liste d'attente.",
    "This slot still has a seat: book it instead of waiting.":
        "Ce créneau a encore une place : réservez-la plutôt que d'attendre.",
    "This slot overlaps one you have already booked.":
        "Ce créneau chevauche un créneau que vous avez déjà réservé.",
    "That would make %(hours)s hours on this day; the limit is %(limit)s.":
        "Cela ferait %(hours)s heures ce jour-là ; la limite est de %(limit)s.",
    "That would make %(hours)s hours this week; the limit is %(limit)s.":
        "Cela ferait %(hours)s heures cette semaine ; la limite est de %(limit)s.",
    "Only %(hours)s hours of rest between two working days; at least %(limit)s are needed.":
        "Seulement %(hours)s heures de repos entre deux journées de travail ; il en faut au "
        "moins %(limit)s.",
    "This slot starts in less than %(limit)s hours: offer it as a swap, or release it late "
    "(counted against your reliability).":
        "Ce créneau commence dans moins de %(limit)s heures : proposez-le en échange, ou "
        "libérez-le en retard (compté dans votre fiabilité).",
    "This slot has already started.": "Ce créneau a déjà commencé.",
    "Swaps close %(limit)s hours before the start.":
        "Les échanges ferment %(limit)s heures avant le début.",
    "This booking is no longer active.": "Cette réservation n'est plus active.",
    "Only a seat given from the waiting list can be declined.":
        "Seule une place attribuée depuis la liste d'attente peut être refusée.",
    "Booking of this slot is not open yet.":
        "La réservation de ce créneau n'est pas encore ouverte.",
    "%(hours)s hours booked this week, under the pool's minimum of %(limit)s.":
        "%(hours)s heures réservées cette semaine, sous le minimum du pool (%(limit)s).",
}
