FR = {
    "contact #%(id)s is already in a supervisor's hands": "le contact n° %(id)s est déjà entre les mains d'un superviseur",
    "Asked a supervisor: %(question)s": "Question posée à un superviseur : %(question)s",
}
