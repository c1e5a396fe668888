"""French for the crowd economy's labels and settings pages (pay labels, quality and
scheduling settings)."""

FR = {
    # pay line labels (roadie.engine.pay.labels)
    "%(channel)s contact #%(contact)s": "contact %(channel)s n° %(contact)s",
    "rate %(rate)s": "tarif %(rate)s",
    "+%(minutes)s min past %(threshold)s × %(per_minute)s": "+%(minutes)s min au-delà de %(threshold)s × %(per_minute)s",
    "quality ×%(multiplier)s": "qualité ×%(multiplier)s",
    "night +%(percent)s %%": "nuit +%(percent)s %%",
    "Sunday +%(percent)s %%": "dimanche +%(percent)s %%",
    "escalated, paid to the resolver": "escaladé, payé à qui l'a résolu",
    "premium call on %(line)s: %(seconds)s s × %(price)s €/min = %(revenue)s €, share %(share)s %%":
        "appel premium sur %(line)s : %(seconds)s s × %(price)s €/min = %(revenue)s €, quote-part %(share)s %%",
    "premium call on %(line)s: %(seconds)s s": "appel premium sur %(line)s : %(seconds)s s",
    "slot %(when)s: %(hours)s h attended × %(rate)s €": "créneau %(when)s : %(hours)s h de présence × %(rate)s €",
    "slot bonus %(when)s": "prime de créneau %(when)s",
    "minimum earnings: %(hours)s h × %(rate)s € = %(floor)s €, earned %(earned)s €":
        "rémunération minimale : %(hours)s h × %(rate)s € = %(floor)s €, gagné %(earned)s €",
    "team bonus %(pool)s %(week)s: service level %(service_level)s met":
        "prime d'équipe %(pool)s %(week)s : niveau de service %(service_level)s atteint",
    "team bonus %(pool)s %(week)s: service level %(service_level)s, CSAT %(csat)s met":
        "prime d'équipe %(pool)s %(week)s : niveau de service %(service_level)s et CSAT %(csat)s atteints",
    "%(minutes)s handled min × quality %(multiplier)s": "%(minutes)s min traitées × qualité %(multiplier)s",
    "VAT 20 %% on self-billed invoice %(number)s": "TVA 20 %% sur la facture d'autofacturation %(number)s",
    "payout for %(period)s": "virement de %(period)s",
    "invoice %(number)s": "facture %(number)s",
    "reversal": "contre-passation",
    "correction after contest: %(decision)s": "régularisation après contestation : %(decision)s",
    # brand invoice lines
    "%(channel)s: handled contacts": "%(channel)s : contacts traités",
    "%(channel)s: handled minutes": "%(channel)s : minutes traitées",
    "%(channel)s: productive hours": "%(channel)s : heures productives",
    "%(channel)s: service level %(service_level)s under target %(target)s, credit %(credit)s":
        "%(channel)s : niveau de service %(service_level)s sous l'objectif de %(target)s, avoir de %(credit)s",
    # channel names in labels
    "email": "e-mail",
    "chat": "chat",
    "social": "réseaux sociaux",
    "voice": "voix",
    "video": "visio",
}
FR.update({
    # scheduling: a superseded plan, logging in outside slots
    "The plan changed: this booking is cancelled": "Le planning a changé : cette réservation est annulée",
    "Your pools let you go available only during a slot you have booked: book one in My schedule, or come back when your slot starts.":
        "Vos équipes ne vous permettent de passer disponible que pendant un créneau réservé : réservez-en un dans Mon planning, ou revenez au début de votre créneau.",
})
