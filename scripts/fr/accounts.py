FR = {
    "Brand administrator": "Administrateur de la marque",
    "Brand viewer": "Lecteur de la marque",
}
