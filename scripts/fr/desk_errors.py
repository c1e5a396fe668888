"""French for the desk's action errors (contacts and routing write paths)."""

FR = {
    "contact #%(id)s cannot go from %(old)s to %(new)s":
        "le contact n° %(id)s ne peut pas passer de « %(old)s » à « %(new)s »",
    "only the agent handling this contact may do this":
        "seul le roadie qui traite ce contact peut le faire",
    "only the agent handling this contact or a supervisor may do this":
        "seul le roadie qui traite ce contact ou un superviseur peut le faire",
    "contact #%(id)s is %(status)s, not in progress":
        "le contact n° %(id)s est « %(status)s », pas en cours",
    "a reply cannot be empty": "une réponse ne peut pas être vide",
    "unknown wrap-up code %(code)r; expected one of %(codes)s":
        "code de clôture inconnu %(code)r ; codes possibles : %(codes)s",
    "say what you need help with": "dites sur quoi vous avez besoin d’aide",
    "only supervisors answer escalations": "seuls les superviseurs répondent aux escalades",
    "this escalation was already answered": "cette escalade a déjà reçu une réponse",
    "the answer cannot be empty": "la réponse ne peut pas être vide",
    "a note cannot be empty": "une note ne peut pas être vide",
    "at most %(n)s tags per contact": "au plus %(n)s étiquettes par contact",
    "snooze until a moment in the future": "mettez en veille jusqu’à un moment à venir",
    "title: a saved reply needs a title": "titre : une réponse enregistrée doit avoir un titre",
    "title: at most 120 characters": "titre : 120 caractères au plus",
    "body: a saved reply needs a text": "texte : une réponse enregistrée doit avoir un texte",
    "body: at most 5,000 characters": "texte : 5 000 caractères au plus",
    "language: one of fr, en or empty (every language), not %(value)r":
        "langue : fr, en ou vide (toutes les langues), pas %(value)r",
    "body: unknown placeholder ": "texte : variable inconnue ",
    "title: %(brand)s already has a saved reply %(title)r":
        "titre : %(brand)s a déjà une réponse enregistrée %(title)r",
    "only supervisors and the brand's administrators change its saved replies":
        "seuls les superviseurs et les administrateurs de la marque modifient ses réponses enregistrées",
    "this offer is %(status)s": "cette offre est « %(status)s »",
    "this offer has timed out and went back to the queue":
        "cette offre a expiré et le contact est retourné dans la file",
    "unknown presence %(value)r; expected one of %(values)s":
        "statut inconnu %(value)r ; statuts possibles : %(values)s",
    "the agent's offers keep changing; try again":
        "les offres de ce roadie changent sans cesse ; réessayez",
    "cannot go from %(old)s to %(new)s": "impossible de passer de « %(old)s » à « %(new)s »",
    "contact #%(id)s is %(status)s: nothing to hand over":
        "le contact n° %(id)s est « %(status)s » : rien à transmettre",
    "only the agent handling this contact or a supervisor may hand it over":
        "seul le roadie qui traite ce contact ou un superviseur peut le transmettre",
    "only supervisors take over a contact": "seuls les superviseurs reprennent un contact",
    "no agent %(id)s": "aucun roadie n° %(id)s",
    "%(agent)s is not available": "%(agent)s n’est pas disponible",
    "%(agent)s lacks the skills or brand certification for this contact":
        "%(agent)s n’a pas les compétences ou la certification de la marque pour ce contact",
    "%(agent)s has no free capacity for this contact":
        "%(agent)s n’a pas la capacité libre pour ce contact",
    "%(agent)s holds their most %(channel)s contacts at once":
        "%(agent)s a déjà son maximum de contacts simultanés sur le canal « %(channel)s »",
    "pool skill must look like area:NAME, not %(value)r":
        "la compétence d’un pool s’écrit area:NOM, pas %(value)r",
    "only the agent who set it waiting resumes it (a supervisor takes it over)":
        "seul le roadie qui l’a mis en attente le reprend (un superviseur peut le reprendre en main)",
    "contact #%(id)s is %(status)s, not waiting on the customer":
        "le contact n° %(id)s est « %(status)s », pas en attente du client",
    "you are offline: set yourself available to resume a contact":
        "vous êtes hors ligne : passez disponible pour reprendre un contact",
    "no free capacity: finish or set aside a conversation first":
        "plus de capacité libre : terminez ou mettez de côté une conversation d’abord",
}

# The customer's address confirmation page (contacts identity), untranslated until now.
FR.update({
    "Address confirmation": "Confirmation de l’adresse",
    "This link is not valid or has expired.": "Ce lien n’est pas valide ou a expiré.",
    "Thank you: your address is confirmed, %(brand)s now finds your file.":
        "Merci : votre adresse est confirmée, %(brand)s retrouve désormais votre dossier.",
})
