/**
 * Where a wound goes on the patient overview's body outline (front and back, anatomical position:
 * on the front view the patient's right is on the viewer's left). The body site is free text, so
 * it is matched against the sites wound care names most (heel, sacrum, malleolus, shin, toe…); the
 * side comes from the wound's laterality, or failing that from the words "left"/"right" in the site.
 * A site that names no place we know gets no place: it is listed beside the map, still linked.
 *
 * Coordinates are fractions of the outline's width (x) and height (y); `d` is the distance from the
 * midline towards the patient's side.
 */
export type BodyView = 'front' | 'back';

interface SitePlace {
  words: RegExp;
  view: BodyView;
  d: number;
  y: number;
}

/** More specific sites first (the first match wins). */
const SITES: SitePlace[] = [
  { words: /\b(heel|calcane)/, view: 'back', d: 0.09, y: 0.975 },
  { words: /\bplantar|\bsole\b/, view: 'back', d: 0.09, y: 0.99 },
  { words: /\bachilles/, view: 'back', d: 0.09, y: 0.92 },
  { words: /\b(hallux|big toe|toes?\b|digit)/, view: 'front', d: 0.1, y: 0.995 },
  { words: /\b(metatars|forefoot|dorsum|dorsal foot|foot|feet|midfoot)/, view: 'front', d: 0.1, y: 0.975 },
  { words: /\bmedial malleol/, view: 'front', d: 0.065, y: 0.93 },
  { words: /\b(lateral malleol|malleol|ankle)/, view: 'front', d: 0.125, y: 0.93 },
  { words: /\b(gaiter)/, view: 'front', d: 0.09, y: 0.88 },
  { words: /\bcalf|\bcalves/, view: 'back', d: 0.1, y: 0.8 },
  { words: /\b(shin|tibia|pretibial|lower leg|leg)\b/, view: 'front', d: 0.1, y: 0.82 },
  { words: /\b(popliteal|back of (the )?knee)/, view: 'back', d: 0.1, y: 0.71 },
  { words: /\b(knee|patella)/, view: 'front', d: 0.1, y: 0.71 },
  { words: /\bthigh|\bfemor/, view: 'front', d: 0.11, y: 0.62 },
  { words: /\b(sacr|coccy)/, view: 'back', d: 0, y: 0.47 },
  { words: /\b(ischi)/, view: 'back', d: 0.08, y: 0.53 },
  { words: /\b(buttock|glute)/, view: 'back', d: 0.08, y: 0.5 },
  { words: /\b(hip|trochanter)/, view: 'back', d: 0.17, y: 0.49 },
  { words: /\b(groin|inguinal|perine)/, view: 'front', d: 0.07, y: 0.5 },
  { words: /\b(lumbar|lower back)/, view: 'back', d: 0.05, y: 0.39 },
  { words: /\b(scapula|shoulder blade|upper back|back)\b/, view: 'back', d: 0.1, y: 0.25 },
  { words: /\b(abdom|belly|umbilic|stoma|laparotomy)/, view: 'front', d: 0.05, y: 0.38 },
  { words: /\b(chest|breast|stern|thora)/, view: 'front', d: 0.08, y: 0.26 },
  { words: /\b(hand|palm|finger|thumb)/, view: 'front', d: 0.34, y: 0.55 },
  { words: /\bwrist/, view: 'front', d: 0.32, y: 0.5 },
  { words: /\bforearm/, view: 'front', d: 0.3, y: 0.43 },
  { words: /\b(elbow|olecran)/, view: 'back', d: 0.27, y: 0.36 },
  { words: /\b(upper arm|arm)\b/, view: 'front', d: 0.25, y: 0.3 },
  { words: /\bshoulder/, view: 'front', d: 0.2, y: 0.19 },
  { words: /\b(neck)\b/, view: 'front', d: 0, y: 0.13 },
  { words: /\b(occiput|occipital|scalp)/, view: 'back', d: 0, y: 0.04 },
  { words: /\b(head|face|forehead|ear|nose|chin|cheek)\b/, view: 'front', d: 0, y: 0.06 },
];

export interface BodyPlace {
  view: BodyView;
  x: number;
  y: number;
}

export function placeOnBody(bodySite: string, laterality: string | null): BodyPlace | null {
  const site = bodySite.toLowerCase();
  const place = SITES.find((s) => s.words.test(site));
  if (!place) return null;
  const side = laterality === 'left' || laterality === 'right' ? laterality : /\bleft\b|\blt\b/.test(site) ? 'left' : /\bright\b|\brt\b/.test(site) ? 'right' : null;
  const midline = place.d === 0 || laterality === 'midline';
  // The patient's right is the viewer's left from the front and the viewer's right from the back.
  const towardsViewerLeft = (side ?? 'right') === 'right' ? place.view === 'front' : place.view === 'back';
  const x = midline ? 0.5 : towardsViewerLeft ? 0.5 - place.d : 0.5 + place.d;
  return { view: place.view, x: Math.round(x * 1000) / 1000, y: place.y };
}
