FR = {
    "arrived": "arrivé",
    "reopened": "rouvert",
    "last on": "dernière fois le",
    "Reply not delivered": "Réponse non distribuée",
    "Not delivered": "Non distribué",
}
