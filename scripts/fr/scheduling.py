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
FR.update({
    "Bonus: %(bonus)s EUR": "Prime : %(bonus)s EUR",
    "My slots": "Mes créneaux",
    "Now: %(pool)s, %(start)s–%(end)s.": "En ce moment : %(pool)s, %(start)s–%(end)s.",
    "No booked slot now.": "Aucun créneau réservé en ce moment.",
    "Next: %(pool)s, %(start)s–%(end)s.": "Prochain : %(pool)s, %(start)s–%(end)s.",
    "My schedule": "Mon planning",
    "Coverage": "Couverture",
    "Uncovered slots, next 48 hours": "Créneaux non couverts, 48 prochaines heures",
    "Every slot of the next 48 hours is covered.":
        "Tous les créneaux des 48 prochaines heures sont couverts.",
    "No pool yet.": "Aucun pool pour l'instant.",
    "Pools": "Pools",
    "Days": "Jours",
    "Previous day": "Jour précédent",
    "Next day": "Jour suivant",
    "Missing roadie-intervals: %(gaps)s of %(required)s required.":
        "Demi-heures-roadie manquantes : %(gaps)s sur %(required)s requises.",
    "Per half hour": "Par demi-heure",
    "Interval": "Intervalle",
    "Required": "Requis",
    "On shift": "En poste",
    "Gap": "Écart",
    "Who is booked": "Qui a réservé",
    "Slots and bonuses": "Créneaux et primes",
    "Seats": "Places",
    "Bonus": "Prime",
    "Fixed bonus": "Prime fixe",
    "Fixed bonus in euros": "Prime fixe en euros",
    "No slot published for this day.": "Aucun créneau publié ce jour-là.",
    "Weeks": "Semaines",
    "Previous week": "Semaine précédente",
    "Next week": "Semaine suivante",
    "This week": "Cette semaine",
    "%(hours)s hours booked; at most %(max)s, at least %(min)s wished.":
        "%(hours)s heures réservées ; au plus %(max)s, au moins %(min)s souhaitées.",
    "Reliability: %(rel)s %% of commitments kept (last four weeks).":
        "Fiabilité : %(rel)s %% des engagements tenus (quatre dernières semaines).",
    "Commitment adherence: %(adh)s %% of booked time spent available.":
        "Respect des engagements : %(adh)s %% du temps réservé passé disponible.",
    "Rules: at most %(day)s h a day, %(rest)s h of rest between working days, releases at "
    "least %(notice)s h before the start (after that, a swap), swaps close %(swap)s h before.":
        "Règles : au plus %(day)s h par jour, %(rest)s h de repos entre deux journées, "
        "libération au moins %(notice)s h avant le début (ensuite, un échange), les échanges "
        "ferment %(swap)s h avant.",
    "Notices": "Avis",
    "Decline this seat": "Refuser cette place",
    "Dismiss": "Masquer",
    "Swap board": "Bourse aux échanges",
    "offered to you": "proposé à vous",
    "from %(who)s": "de %(who)s",
    "Take it": "Le prendre",
    "booked by you": "réservé par vous",
    "bonus %(bonus)s €": "prime %(bonus)s €",
    "Offered on the swap board": "Proposé à la bourse aux échanges",
    "Withdraw the swap": "Retirer l'échange",
    "Offer on the swap board": "Proposer à la bourse aux échanges",
    "Release late (counts against reliability)":
        "Libérer en retard (compte dans la fiabilité)",
    "Release": "Libérer",
    "Book": "Réserver",
    "On the waiting list": "Sur la liste d'attente",
    "Leave the waiting list": "Quitter la liste d'attente",
    "Join the waiting list": "Rejoindre la liste d'attente",
    "Closed": "Fermé",
    "My calendar": "Mon agenda",
    "Subscribe to this private address in your calendar application to see your bookings "
    "there. Keep it to yourself.":
        "Abonnez votre application d'agenda à cette adresse privée pour y voir vos "
        "réservations. Gardez-la pour vous.",
    "Calendar address": "Adresse de l'agenda",
    "Make a new address": "Créer une nouvelle adresse",
    "Booked.": "Réservé.",
    "Released.": "Libéré.",
    "No roadie is called %(name)s.": "Aucun roadie ne s'appelle %(name)s.",
    "Offered on the swap board.": "Proposé à la bourse aux échanges.",
    "Offered to %(name)s.": "Proposé à %(name)s.",
    "Swap withdrawn.": "Échange retiré.",
    "The slot is yours.": "Le créneau est à vous.",
    "Seat declined.": "Place refusée.",
    "You are on the waiting list.": "Vous êtes sur la liste d'attente.",
    "You left the waiting list.": "Vous avez quitté la liste d'attente.",
    "This slot or booking is no longer available to you.":
        "Ce créneau ou cette réservation ne vous est plus accessible.",
    "Fixed bonus saved.": "Prime fixe enregistrée.",
    "Fixed bonus: enter an amount in euros, 0 or more.":
        "Prime fixe : saisissez un montant en euros, 0 ou plus.",
    "New calendar address: the old one no longer works.":
        "Nouvelle adresse d'agenda : l'ancienne ne fonctionne plus.",
    "My roadie slots": "Mes créneaux roadie",
    "Slot %(pool)s": "Créneau %(pool)s",
    "Week of %(day)s": "Semaine du %(day)s",
    "seats left: %(n)s": "places libres : %(n)s",
    "No-shows: %(n)s.": "Absences : %(n)s.",
    "%(booked)s of %(seats)s seats booked": "%(booked)s places réservées sur %(seats)s",
    "Not shown: %(n)s more.": "Non affichés : %(n)s de plus.",
})
FR.update({
    "A slot needs you: %(pool)s, %(when)s": "Un créneau a besoin de vous : %(pool)s, %(when)s",
    "Hello,\n\nThe slot %(when)s of %(pool)s still has free seats. Book it in one click from "
    "your schedule:\n%(url)s\n\nroadie":
        "Bonjour,\n\nLe créneau %(when)s de %(pool)s a encore des places libres. Réservez-le en "
        "un clic depuis votre planning :\n%(url)s\n\nroadie",
})
