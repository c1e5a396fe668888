FR = {
    "Most contacts at once per channel": "Nombre maximal de contacts simultanés par canal",
    "Empty: only the capacity counts. 0: never this channel.":
        "Vide : seule la capacité compte. 0 : jamais ce canal.",
}
