"""The demo brands' own knowledge bases, in French (written for roadie's demo).

One tuple per article: (slug, title, category, tags, summary, body in Markdown).
"""

from __future__ import annotations

MAISON_LUNE = [
    ("delai-livraison", "Délais de livraison des meubles", "Livraison", ("livraison", "délai"),
     "Petits articles en 3 à 5 jours ouvrés, meubles volumineux en 2 à 4 semaines.",
     """Les **petits articles** (déco, linge, luminaires) sont expédiés en 48 h et livrés en 3 à 5 jours ouvrés.

Les **meubles volumineux** (canapés, armoires, lits, tables) sont fabriqués à la commande :
comptez 2 à 4 semaines. Le délai exact figure sur la confirmation de commande.

1. Retrouvez la commande avec le numéro (ML suivi de six chiffres).
2. Donnez au client la date estimée affichée dans le suivi.
3. Si la date est dépassée de plus de 5 jours, ouvrez un signalement transporteur."""),
    ("suivi-commande", "Suivre une commande", "Livraison", ("suivi", "colis", "commande"),
     "Le lien de suivi est envoyé par email dès l'expédition.",
     """Le client reçoit un email avec le **lien de suivi** dès que le colis quitte l'entrepôt.

- Pas d'email ? Vérifier les courriers indésirables, puis renvoyer le lien depuis la fiche commande.
- Colis bloqué plus de 72 h au même statut : contacter le transporteur et prévenir le client."""),
    ("prise-rendez-vous-livraison", "Prendre rendez-vous pour la livraison d'un meuble", "Livraison",
     ("rendez-vous", "créneau", "transporteur"),
     "Le transporteur appelle le client 48 h avant pour fixer un créneau de livraison.",
     """Pour les meubles livrés par transporteur, un **créneau de rendez-vous** est proposé par SMS ou
téléphone 48 h avant la livraison.

Le client peut déplacer le rendez-vous une fois sans frais. Au-delà, une nouvelle présentation est
facturée 39 €. La livraison se fait au pied de l'immeuble, ou dans la pièce de son choix avec
l'option « livraison dans la pièce »."""),
    ("colis-endommage", "Meuble ou colis arrivé endommagé", "Livraison", ("casse", "abîmé", "réserve"),
     "Émettre des réserves sur le bon du transporteur, puis envoyer des photos sous 48 h.",
     """Si le colis est **abîmé** à la livraison, le client doit écrire des réserves précises sur le bon
du transporteur (« carton déchiré, pied cassé »).

1. Demander des photos du carton et du meuble sous 48 h.
2. Créer un dossier casse dans l'outil SAV.
3. Proposer l'envoi d'une pièce de remplacement ou l'échange complet du meuble."""),
    ("retour-produit", "Retourner un article", "Retours et remboursements", ("retour", "rétractation"),
     "30 jours pour retourner un article non monté, dans son emballage d'origine.",
     """Le client dispose de **30 jours** après réception pour retourner un article **non monté**.

1. Créer le retour depuis la fiche commande : une étiquette est envoyée par email.
2. Pour un meuble volumineux, un enlèvement à domicile est planifié (participation de 49 €).
3. Le remboursement part dès réception et contrôle en entrepôt."""),
    ("remboursement", "Délai de remboursement", "Retours et remboursements", ("remboursement", "avoir"),
     "Le remboursement est fait sur le moyen de paiement d'origine sous 14 jours.",
     """Le remboursement est versé sur le **moyen de paiement d'origine** dans les 14 jours suivant la
réception du retour. Selon la banque, il apparaît sur le compte 3 à 5 jours plus tard.

Un **avoir** peut être proposé à la place si le client le préfère."""),
    ("garantie", "Garantie des meubles", "Garantie et SAV", ("garantie", "défaut", "sav"),
     "Garantie légale de 2 ans, garantie commerciale de 5 ans sur les structures.",
     """Tous nos meubles bénéficient de la **garantie légale de conformité de 2 ans**. Les structures de
canapés et de lits sont garanties **5 ans**.

La garantie ne couvre pas l'usure normale, les taches ni un mauvais montage. Pour ouvrir un
dossier SAV, il suffit d'envoyer des photos et le numéro de commande."""),
    ("notice-montage", "Notice et aide au montage", "Garantie et SAV", ("montage", "notice", "vis"),
     "Les notices de montage sont téléchargeables sur la fiche produit.",
     """Chaque fiche produit propose la **notice de montage** en PDF. Si une **vis** ou une pièce manque,
envoyer gratuitement le sachet de quincaillerie (référence sur la notice).

Le montage à domicile par un partenaire est disponible dans les grandes villes (à partir de 59 €)."""),
    ("piece-manquante", "Pièce manquante ou cassée", "Garantie et SAV", ("pièce", "manquante"),
     "Une pièce manquante est renvoyée gratuitement sous 10 jours.",
     """Quand une **pièce manque** ou arrive cassée, relever la référence de la pièce sur la notice.

1. Créer une demande de pièce détachée dans l'outil SAV.
2. La pièce est envoyée gratuitement sous 10 jours.
3. Si la pièce n'est plus fabriquée, proposer l'échange du meuble."""),
    ("paiement-plusieurs-fois", "Payer en plusieurs fois", "Paiement", ("paiement", "3x", "4x"),
     "Paiement en 3 ou 4 fois sans frais dès 300 € d'achat.",
     """Le **paiement en 3 ou 4 fois sans frais** est proposé au moment du paiement dès 300 € d'achat,
par carte bancaire. L'accord est donné par notre partenaire financier en quelques secondes.

Les agents ne voient pas les données de paiement : renvoyer le client vers son espace partenaire."""),
    ("modifier-annuler-commande", "Modifier ou annuler une commande", "Commande",
     ("annulation", "modification"),
     "Annulation gratuite tant que la commande n'est pas expédiée ou en fabrication.",
     """Une commande peut être **annulée** ou modifiée gratuitement tant qu'elle n'est pas expédiée.
Pour un meuble fabriqué à la commande, l'annulation après le début de fabrication entraîne des
frais de 15 %.

Modifier l'adresse de livraison : possible jusqu'à 48 h avant le rendez-vous."""),
    ("entretien-bois-massif", "Entretenir un meuble en bois massif", "Conseils", ("entretien", "bois"),
     "Un chiffon sec, une huile d'entretien deux fois par an, jamais de produit ménager.",
     """Le **bois massif** s'entretient avec un chiffon doux et sec. Deux fois par an, appliquer une
huile d'entretien adaptée.

Éviter les produits ménagers, l'eau stagnante et la lumière directe du soleil, qui font
griser le bois."""),
    ("echantillons-tissu", "Commander des échantillons de tissu", "Conseils",
     ("échantillon", "tissu", "canapé"),
     "Jusqu'à 5 échantillons de tissu gratuits pour choisir un canapé.",
     """Le client peut commander **jusqu'à 5 échantillons de tissu gratuits** depuis la fiche d'un canapé.
Ils arrivent sous 5 jours ouvrés par courrier."""),
]

ONDES = [
    ("activer-carte-sim", "Activer une carte SIM", "Ligne mobile", ("sim", "activation"),
     "La carte SIM s'active en ligne avec le code reçu, en moins de 2 heures.",
     """1. Insérer la **carte SIM** dans le téléphone.
2. Saisir le code d'activation reçu par email sur l'espace client.
3. L'activation prend jusqu'à 2 heures. Redémarrer le téléphone ensuite.

Si la ligne ne s'active pas après 24 h, vérifier l'état de la commande de SIM."""),
    ("portabilite-numero", "Garder son numéro (portabilité)", "Ligne mobile",
     ("portabilité", "rio", "numéro"),
     "Le code RIO (appeler le 3179) permet de garder son numéro ; transfert en 3 jours ouvrés.",
     """Pour **garder son numéro**, le client obtient son **code RIO** en appelant le 3179 depuis sa ligne
actuelle. Il le saisit lors de la souscription.

La portabilité se fait en 3 jours ouvrés ; l'ancien contrat est résilié automatiquement."""),
    ("code-puk", "Carte SIM bloquée : code PUK", "Ligne mobile", ("puk", "pin", "bloqué"),
     "Après 3 codes PIN faux, la SIM demande le code PUK, visible dans l'espace client.",
     """Après **3 codes PIN erronés**, la carte SIM est bloquée et demande le **code PUK**.

Le code PUK figure dans l'espace client, rubrique « Ma ligne ». Attention : 10 codes PUK faux
détruisent la SIM ; il faut alors commander une nouvelle carte (10 €)."""),
    ("facture-incomprehensible", "Comprendre sa facture", "Facturation", ("facture", "montant"),
     "Le détail de la facture liste l'abonnement, les options et les hors-forfait.",
     """La **facture** mensuelle comprend l'abonnement, les options et les **consommations hors forfait**.

Une facture plus élevée que d'habitude vient le plus souvent d'appels vers l'international, de
numéros surtaxés ou d'un changement d'offre au prorata."""),
    ("prelevement-rejete", "Prélèvement rejeté ou impayé", "Facturation",
     ("prélèvement", "impayé", "rejet"),
     "Régulariser par carte dans l'espace client sous 10 jours pour éviter la suspension.",
     """Quand un **prélèvement est rejeté**, le client reçoit un SMS. Il peut payer par carte bancaire dans
son espace client.

Sans régularisation sous 10 jours, la ligne est restreinte aux appels d'urgence. Frais de rejet : 7,50 €."""),
    ("hors-forfait-etranger", "Utiliser son mobile à l'étranger", "Facturation",
     ("roaming", "étranger", "international"),
     "En Europe, le forfait s'utilise comme en France ; ailleurs, activer un pass voyage.",
     """Dans l'**Union européenne**, appels, SMS et internet sont décomptés du forfait comme en France.

Hors Europe, activer un **pass voyage** avant le départ pour éviter les frais de roaming élevés.
Le roaming de données est coupé au-delà de 50 € de consommation."""),
    ("pas-de-reseau", "Pas de réseau ou réseau faible", "Réseau et internet",
     ("réseau", "couverture", "signal"),
     "Vérifier la couverture, redémarrer, tester la SIM dans un autre téléphone.",
     """1. Vérifier la **couverture** à l'adresse sur la carte réseau.
2. Redémarrer le téléphone et activer puis désactiver le mode avion.
3. Tester la carte SIM dans un autre téléphone.

Si une panne est en cours dans la zone, l'indiquer au client avec le délai de rétablissement."""),
    ("box-internet-panne", "La box internet ne fonctionne plus", "Réseau et internet",
     ("box", "wifi", "fibre", "panne"),
     "Redémarrer la box, vérifier les voyants, lancer le diagnostic à distance.",
     """Quand la **box internet** ne fonctionne plus :

1. Débrancher la box 30 secondes puis la rebrancher.
2. Vérifier les voyants : voyant fibre rouge = problème de ligne.
3. Lancer le **diagnostic à distance** depuis l'outil agent.
4. Si la ligne est coupée, planifier l'intervention d'un technicien (gratuite sous 48 h)."""),
    ("debit-lent", "Internet lent : débit faible", "Réseau et internet", ("débit", "lent", "wifi"),
     "Tester le débit en câble, changer le canal wifi, éloigner la box des obstacles.",
     """Un **débit lent** en wifi vient souvent de l'emplacement de la box.

- Faire un test de débit avec un câble Ethernet.
- Changer le canal wifi depuis l'interface de la box.
- Proposer un répéteur wifi si le logement est grand."""),
    ("resiliation", "Résilier son abonnement", "Contrat", ("résiliation", "contrat"),
     "Résiliation sans frais après 12 mois ; la box est à renvoyer sous 30 jours.",
     """Le client peut **résilier** à tout moment. Pendant la période d'engagement de 12 mois, les mois
restants sont dus à 25 %.

La box et le décodeur sont à renvoyer sous 30 jours avec l'étiquette fournie, sinon 150 € sont facturés."""),
    ("changer-offre", "Changer d'offre ou de forfait", "Contrat", ("forfait", "offre", "option"),
     "Changement de forfait gratuit et immédiat depuis l'espace client.",
     """Le **changement de forfait** est gratuit et s'applique immédiatement. La facture suivante est
calculée au prorata.

Passer à un forfait inférieur pendant l'engagement est possible une fois par an."""),
    ("telephone-casse-vol", "Téléphone volé ou perdu", "Ligne mobile", ("vol", "perte", "blocage"),
     "Suspendre la ligne tout de suite, bloquer le téléphone avec son code IMEI.",
     """En cas de **vol ou de perte** du téléphone :

1. Suspendre immédiatement la ligne (espace client ou agent).
2. Bloquer le téléphone avec son **code IMEI** (*#06#, ou sur la boîte).
3. Commander une nouvelle carte SIM avec le même numéro (10 €).
4. Conseiller un dépôt de plainte pour l'assurance."""),
    ("lsf-accessibilite", "Service client en langue des signes", "Accessibilité",
     ("lsf", "sourd", "accessibilité"),
     "Les clients sourds ou malentendants joignent un conseiller en LSF par visio.",
     """Les clients **sourds ou malentendants** peuvent joindre un conseiller en **langue des signes
française (LSF)** par visio, du lundi au samedi de 8 h à 20 h, ou par chat écrit."""),
]

ECLAT = [
    ("suivi-colis", "Où est mon colis ?", "Commandes", ("suivi", "colis", "livraison"),
     "Livraison en 2 à 4 jours ouvrés ; le suivi est envoyé par email et SMS.",
     """Les commandes partent sous 24 h et sont livrées en **2 à 4 jours ouvrés** en France métropolitaine.

Le numéro de **suivi** est envoyé par email et SMS. Un colis sans mouvement depuis 5 jours peut
être déclaré perdu : renvoyer la commande sans frais."""),
    ("produit-manquant", "Produit manquant dans le colis", "Commandes", ("manquant", "oubli"),
     "Vérifier le bon de livraison ; le produit manquant est renvoyé sous 48 h.",
     """Si un **produit manque** dans le colis, vérifier d'abord le bon de livraison : certains produits
partent dans un colis séparé.

Sinon, renvoyer le produit manquant sous 48 h, sans demander de retour."""),
    ("retour-cosmetique", "Retourner un produit cosmétique", "Retours", ("retour", "hygiène"),
     "Retour possible sous 14 jours si le produit n'est pas ouvert (règle d'hygiène).",
     """Pour des raisons d'**hygiène**, seuls les produits **non ouverts**, avec leur film de protection,
peuvent être retournés sous 14 jours.

Un produit ouvert n'est repris qu'en cas de réaction cutanée ou de défaut."""),
    ("reaction-allergique", "Réaction allergique ou irritation", "Sécurité produit",
     ("allergie", "irritation", "réaction"),
     "Conseiller d'arrêter le produit et de consulter ; déclarer en cosmétovigilance.",
     """En cas de **réaction allergique**, rougeur ou **irritation** :

1. Conseiller d'arrêter immédiatement le produit et de rincer à l'eau claire.
2. Recommander de consulter un médecin ou un pharmacien si la réaction persiste.
3. Relever le numéro de lot et déclarer le cas en **cosmétovigilance**.
4. Rembourser le produit, même ouvert."""),
    ("composition-ingredients", "Composition et ingrédients", "Produits",
     ("ingrédients", "composition", "vegan"),
     "La liste INCI complète est sur chaque fiche produit ; tous nos produits sont vegan.",
     """La **liste des ingrédients** (INCI) figure sur chaque fiche produit et sur l'emballage.

Tous nos produits sont **vegan** et non testés sur les animaux. Les produits sans parfum portent
la mention « sans parfum »."""),
    ("conseil-type-peau", "Choisir une crème selon son type de peau", "Conseils beauté",
     ("peau", "crème", "hydratation"),
     "Peau sèche : crème riche ; peau grasse : gel léger ; peau sensible : gamme Douceur.",
     """- **Peau sèche** : crème riche Nutrition, matin et soir.
- **Peau grasse** ou mixte : gel hydratant léger, sans huile.
- **Peau sensible** : gamme Douceur, sans parfum.

Proposer le diagnostic de peau en ligne pour un conseil personnalisé."""),
    ("code-promo", "Code promo qui ne fonctionne pas", "Promotions", ("code", "promo", "réduction"),
     "Vérifier la date de validité, le montant minimum et les produits exclus.",
     """Un **code promo** refusé est souvent :

- expiré (vérifier la date de validité) ;
- soumis à un montant minimum d'achat ;
- non cumulable avec les produits déjà en promotion.

Si le code est valide, appliquer la réduction manuellement sur la commande."""),
    ("programme-fidelite", "Programme de fidélité Éclat", "Promotions",
     ("fidélité", "points", "récompense"),
     "1 € dépensé = 1 point ; 100 points = 5 € de réduction.",
     """Chaque euro dépensé rapporte **1 point de fidélité**. 100 points donnent un bon de 5 €.

Les points sont valables 12 mois. Les points d'une commande retournée sont retirés."""),
    ("date-peremption", "Date de péremption et conservation", "Produits",
     ("péremption", "conservation", "pao"),
     "Le pictogramme du pot ouvert (PAO) indique la durée d'utilisation après ouverture.",
     """Le **pictogramme du pot ouvert** (PAO, par exemple « 12M ») indique combien de mois le produit
se conserve **après ouverture**.

Conserver les produits à l'abri de la chaleur et de la lumière. Un produit qui change d'odeur
ou de texture ne doit plus être utilisé."""),
    ("abonnement-box", "Abonnement à la box beauté", "Abonnement",
     ("abonnement", "box", "résiliation"),
     "Box mensuelle à 19,90 €, résiliable à tout moment avant le 5 du mois.",
     """La **box beauté** est envoyée chaque mois pour 19,90 €, livraison comprise.

L'abonnement se **résilie** à tout moment depuis l'espace client, avant le 5 du mois pour la box
suivante. Il peut aussi être mis en pause un mois."""),
    ("paiement-refuse", "Paiement refusé", "Commandes", ("paiement", "carte", "refusé"),
     "Vérifier le plafond de la carte et l'authentification 3-D Secure.",
     """Un **paiement refusé** vient souvent du plafond de la carte ou d'un échec de l'authentification
**3-D Secure** (code reçu par SMS de la banque).

Conseiller de réessayer, d'utiliser une autre carte ou PayPal. Les agents ne voient pas les
données de carte."""),
    ("echantillons-offerts", "Échantillons offerts", "Promotions", ("échantillon", "cadeau"),
     "Deux échantillons offerts dans chaque commande, au choix dans le panier.",
     """Chaque commande comprend **deux échantillons offerts**, à choisir dans le panier. Un cadeau
supplémentaire est offert dès 60 € d'achat."""),
]

DEMO_FR = {"maison-lune": MAISON_LUNE, "ondes": ONDES, "eclat": ECLAT}
