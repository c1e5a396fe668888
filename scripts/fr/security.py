FR = {
    "arrived": "arrivé",
    "reopened": "rouvert",
    "last on": "dernière fois le",
}
